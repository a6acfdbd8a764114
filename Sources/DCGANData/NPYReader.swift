import Foundation

/// Reads NumPy `.npy` files of unsigned bytes (samples made by other tools, to be scored).
public enum NPYReader {
    /// The shape and values of a C-ordered uint8 array.
    public static func readUInt8(path: String) throws -> (shape: [Int], values: [UInt8]) {
        let bytes = try readFileBytes(path: path, maxBytes: 1 << 32)
        let fail = { (problem: String) in DataError(path: path, problem) }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else { throw fail("not a .npy file") }
        let (major, headerStart) = (bytes[6], bytes[6] == 1 ? 10 : 12)
        guard major == 1 || major == 2 || major == 3, bytes.count >= headerStart else { throw fail("unsupported .npy version \(bytes[6])") }
        let headerLength = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
            : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        guard headerStart + headerLength <= bytes.count else { throw fail("truncated .npy header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard header.contains("'|u1'") || header.contains("'u1'") || header.contains("'<u1'") else {
            throw fail("holds \(field("descr", in: header) ?? "an unknown type"), not uint8")
        }
        guard !header.contains("'fortran_order': True") else { throw fail("Fortran-ordered arrays are not supported") }
        guard let shapeText = field("shape", in: header) else { throw fail("the .npy header has no shape") }
        let shape = shapeText.split(whereSeparator: { ",() ".contains($0) }).compactMap { Int($0) }
        let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        guard bytes.count - headerStart - headerLength == count else {
            throw fail("the header's shape \(shape) needs \(count) bytes, the file holds \(bytes.count - headerStart - headerLength)")
        }
        return (shape, Array(bytes[(headerStart + headerLength)...]))
    }

    /// The text after `'key':` up to the closing of its value, e.g. "(3, 28, 28)" for shape.
    private static func field(_ key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        let rest = header[range.upperBound...].drop { $0 == " " }
        if rest.first == "(" { return rest.firstIndex(of: ")").map { String(rest[...$0]) } }
        return rest.split(separator: ",").first.map { String($0).trimmingCharacters(in: .whitespaces) }
    }
}
