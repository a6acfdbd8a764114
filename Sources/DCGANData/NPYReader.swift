import Foundation

/// Reads NumPy `.npy` files: unsigned bytes (samples made by other tools, to be scored) and
/// integers (class labels to sample).
///
/// The header is parsed as the dict literal it is (`NPYHeader`) and checked against the file's
/// length before anything is allocated; the payload is then read straight into the array that
/// is returned, so a large file costs its own size once.
public enum NPYReader {
    /// The largest payload read (4 GiB).
    public static let maxPayloadBytes = 1 << 32
    /// The largest header accepted (NumPy's own reader stops at 10,000 bytes by default).
    static let maxHeaderBytes = 1 << 16

    /// The shape and values of a C-ordered uint8 array.
    public static func readUInt8(path: String) throws -> (shape: [Int], values: [UInt8]) {
        let array = try open(path: path, elementSizes: ["|u1": 1, "u1": 1, "<u1": 1], wanted: "uint8")
        return (array.shape, try array.file.bytes(at: array.offset, count: array.bytes))
    }

    /// The values of a 1-d (or any C-ordered) array of integers: uint8, int32 or int64
    /// (NumPy's default integer), little-endian.
    public static func readIntegers(path: String) throws -> [Int] {
        let array = try open(path: path, elementSizes: ["|u1": 1, "u1": 1, "<u1": 1, "<i4": 4, "<i8": 8], wanted: "integers (uint8, int32 or int64)")
        let payload = try array.file.bytes(at: array.offset, count: array.bytes)
        let size = array.elementSize
        return stride(from: 0, to: payload.count, by: size).map { start in
            var value: Int64 = 0
            for byte in 0..<size { value |= Int64(payload[start + byte]) << (8 * byte) }
            // Sign-extend the narrower signed type.
            return size == 4 ? Int(Int32(truncatingIfNeeded: value)) : Int(value)
        }
    }

    /// The shape and values of a C-ordered float32 array (latent vectors).
    public static func readFloat32(path: String) throws -> (shape: [Int], values: [Float]) {
        let array = try open(path: path, elementSizes: ["<f4": 4], wanted: "float32")
        let values = try [Float](unsafeUninitializedCapacity: array.bytes / 4) { buffer, initialized in
            try array.file.read(at: array.offset, into: UnsafeMutableRawBufferPointer(buffer))
            #if _endian(big)
            for i in buffer.indices { buffer[i] = Float(bitPattern: UInt32(littleEndian: buffer[i].bitPattern)) }
            #endif
            initialized = array.bytes / 4
        }
        return (array.shape, values)
    }

    /// An opened array: its element size, shape, and where its `bytes` of data start.
    private struct Opened {
        let file: ReadOnlyFile
        let elementSize: Int
        let shape: [Int]
        let offset: Int
        let bytes: Int
    }

    /// Opens an array whose type is exactly one of `elementSizes` (NumPy type string -> bytes);
    /// another type is refused, saying it is not `wanted`.
    private static func open(path: String, elementSizes: [String: Int], wanted: String) throws -> Opened {
        let fail = { (problem: String) in DataError(path: path, problem) }
        let file = try ReadOnlyFile(path: path)
        let start = try file.bytes(at: 0, count: min(file.size, 12))
        guard start.count >= 10, start[0] == 0x93, Array(start[1..<6]) == Array("NUMPY".utf8) else { throw fail("not a .npy file") }
        let major = start[6]
        guard major == 1 || major == 2 || major == 3 else { throw fail("unsupported .npy version \(major)") }
        let headerStart = major == 1 ? 10 : 12
        guard start.count >= headerStart else { throw fail("truncated .npy header") }
        let headerLength = major == 1 ? Int(start[8]) | Int(start[9]) << 8
            : Int(start[8]) | Int(start[9]) << 8 | Int(start[10]) << 16 | Int(start[11]) << 24
        guard headerLength <= maxHeaderBytes else { throw fail("the .npy header is \(headerLength) bytes, more than \(maxHeaderBytes)") }
        guard headerStart + headerLength <= file.size else { throw fail("truncated .npy header") }
        let header: NPYHeader
        do { header = try NPYHeader(parsing: String(decoding: try file.bytes(at: headerStart, count: headerLength), as: UTF8.self)) } catch let error as NPYHeaderError {
            throw fail(error.description)
        }
        guard let size = elementSizes[header.descr] else { throw fail("holds \(header.descr), not \(wanted)") }
        guard !header.fortranOrder else { throw fail("Fortran-ordered arrays are not supported") }
        let offset = headerStart + headerLength
        guard let count = header.byteCount(elementSize: size), count <= maxPayloadBytes else {
            throw fail("the header's shape \(header.shape) needs more than the limit of \(maxPayloadBytes) bytes")
        }
        guard file.size - offset == count else {
            throw fail("the header's shape \(header.shape) needs \(count) bytes, the file holds \(file.size - offset)")
        }
        return Opened(file: file, elementSize: size, shape: header.shape, offset: offset, bytes: count)
    }
}
