/// NumPy `.npy` files (format version 1.0) of unsigned bytes (images), little-endian 64-bit
/// integers (labels) and float32 (latent vectors), for exporting to tools outside Swift (`numpy.load` reads them).
public enum NPYWriter {
    /// The file bytes for a C-ordered uint8 array of the given shape (e.g. [N, H, W] or
    /// [N, H, W, C]).
    public static func encode(_ values: [UInt8], shape: [Int]) -> [UInt8] {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == values.count,
                     "shape \(shape) does not hold \(values.count) values")
        return encode(payload: values, descr: "|u1", shape: shape)
    }

    /// The file bytes for a C-ordered int64 array (class labels).
    public static func encode(int64 values: [Int64], shape: [Int]) -> [UInt8] {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == values.count,
                     "shape \(shape) does not hold \(values.count) values")
        return encode(payload: values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }, descr: "<i8", shape: shape)
    }


    /// Layout: magic "\x93NUMPY", version 1 0, header length as little-endian UInt16, then
    /// a Python dict literal padded with spaces and ending in "\n" so that the data starts
    /// at a multiple of 64 bytes, then the data.
    /// The file bytes for a C-ordered float32 array (latent vectors).
    public static func encode(float32 values: [Float], shape: [Int]) -> [UInt8] {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == values.count,
                     "shape \(shape) does not hold \(values.count) values")
        return encode(payload: values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }, descr: "<f4", shape: shape)
    }

    private static func encode(payload: [UInt8], descr: String, shape: [Int]) -> [UInt8] {
        let dimensions = shape.map(String.init)
        // Python's tuple syntax: a one-element tuple needs its trailing comma.
        let tuple = shape.count == 1 ? "(\(dimensions[0]),)" : "(\(dimensions.joined(separator: ", ")))"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(tuple), }"
        let prefixLength = 10  // magic (6) + version (2) + header length (2)
        let unpadded = prefixLength + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let headerLength = header.utf8.count
        precondition(headerLength <= Int(UInt16.max), "shape \(shape) too long for an .npy 1.0 header")

        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        bytes += [UInt8(headerLength & 0xFF), UInt8(headerLength >> 8)]
        bytes += Array(header.utf8)
        bytes += payload
        return bytes
    }
}
