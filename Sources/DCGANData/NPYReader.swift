import Foundation

/// Reads NumPy `.npy` files: unsigned bytes (samples made by other tools, to be scored) and
/// integers (class labels to sample).
public enum NPYReader {
    /// The shape and values of a C-ordered uint8 array.
    public static func readUInt8(path: String) throws -> (shape: [Int], values: [UInt8]) {
        let (_, shape, payload) = try read(path: path, elementSizes: ["|u1": 1, "u1": 1, "<u1": 1], wanted: "uint8")
        return (shape, payload)
    }

    /// The values of a 1-d (or any C-ordered) array of integers: uint8, int32 or int64
    /// (NumPy's default integer), little-endian.
    public static func readIntegers(path: String) throws -> [Int] {
        let sizes = ["|u1": 1, "u1": 1, "<u1": 1, "<i4": 4, "<i8": 8]
        let (size, _, payload) = try read(path: path, elementSizes: sizes, wanted: "integers (uint8, int32 or int64)")
        return stride(from: 0, to: payload.count, by: size).map { start in
            var value: Int64 = 0
            for byte in 0..<size { value |= Int64(payload[start + byte]) << (8 * byte) }
            // Sign-extend the narrower signed type.
            return size == 4 ? Int(Int32(truncatingIfNeeded: value)) : Int(value)
        }
    }

    /// The shape and values of a C-ordered float32 array (latent vectors).
    public static func readFloat32(path: String) throws -> (shape: [Int], values: [Float]) {
        let (_, shape, payload) = try read(path: path, elementSizes: ["<f4": 4], wanted: "float32")
        let values = stride(from: 0, to: payload.count, by: 4).map { start in
            Float(bitPattern: UInt32(payload[start]) | UInt32(payload[start + 1]) << 8 | UInt32(payload[start + 2]) << 16 | UInt32(payload[start + 3]) << 24)
        }
        return (shape, values)
    }

    /// The element size, shape and data bytes of an array whose type is one of `elementSizes`
    /// (NumPy type string -> bytes); another type is refused, saying it is not `wanted`.
    private static func read(path: String, elementSizes: [String: Int], wanted: String) throws -> (elementSize: Int, shape: [Int], payload: [UInt8]) {
        let bytes = try readFileBytes(path: path, maxBytes: 1 << 32)
        let fail = { (problem: String) in DataError(path: path, problem) }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else { throw fail("not a .npy file") }
        let (major, headerStart) = (bytes[6], bytes[6] == 1 ? 10 : 12)
        guard major == 1 || major == 2 || major == 3, bytes.count >= headerStart else { throw fail("unsupported .npy version \(bytes[6])") }
        let headerLength = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
            : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        guard headerStart + headerLength <= bytes.count else { throw fail("truncated .npy header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        let descr = field("descr", in: header).map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) }
        guard let size = descr.flatMap({ elementSizes[$0] }) else { throw fail("holds \(descr ?? "an unknown type"), not \(wanted)") }
        guard !header.contains("'fortran_order': True") else { throw fail("Fortran-ordered arrays are not supported") }
        guard let shapeText = field("shape", in: header) else { throw fail("the .npy header has no shape") }
        let shape = shapeText.split(whereSeparator: { ",() ".contains($0) }).compactMap { Int($0) }
        let count = shape.reduce(size) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        guard bytes.count - headerStart - headerLength == count else {
            throw fail("the header's shape \(shape) needs \(count) bytes, the file holds \(bytes.count - headerStart - headerLength)")
        }
        return (size, shape, Array(bytes[(headerStart + headerLength)...]))
    }

    /// The text after `'key':` up to the closing of its value, e.g. "(3, 28, 28)" for shape.
    private static func field(_ key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        let rest = header[range.upperBound...].drop { $0 == " " }
        if rest.first == "(" { return rest.firstIndex(of: ")").map { String(rest[...$0]) } }
        return rest.split(separator: ",").first.map { String($0).trimmingCharacters(in: .whitespaces) }
    }
}
