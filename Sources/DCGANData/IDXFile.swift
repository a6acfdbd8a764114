/// An IDX file (the MNIST container format) holding unsigned bytes.
///
/// Layout: two zero bytes, an element type (0x08 = uint8, the only one MNIST-style data
/// uses), the number of dimensions, then each dimension as a big-endian UInt32, then the
/// elements in row-major order.
public struct IDXFile: Sendable, Equatable {
    /// The dimensions the header declares, outermost first (e.g. [60000, 28, 28]).
    public let dimensions: [Int]
    /// The elements, exactly `dimensions.reduce(1, *)` of them.
    public let values: [UInt8]

    /// Reads and parses an IDX file, gzip-compressed or plain.
    public static func read(path: String, maxBytes: Int = 1 << 30) throws -> IDXFile {
        try IDXFile(parsing: readMaybeGzip(path: path, maxBytes: maxBytes), path: path)
    }

    /// Parses the bytes of an IDX file; `path` names it in error messages.
    ///
    /// The declared element count is checked against the bytes actually present before
    /// anything is allocated from it, so a lying header is a clean error.
    public init(parsing bytes: [UInt8], path: String) throws {
        guard bytes.count >= 4 else {
            throw DataError(path: path, "too short for an IDX header (\(bytes.count) bytes)")
        }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw DataError(path: path, "not an IDX file (magic number does not start with two zero bytes)")
        }
        guard bytes[2] == 0x08 else {
            let type = String(bytes[2], radix: 16)
            throw DataError(path: path, "IDX element type 0x\(type) is not supported (only 0x08, unsigned bytes)")
        }
        let rank = Int(bytes[3])
        let headerLength = 4 + 4 * rank
        guard rank >= 1, bytes.count >= headerLength else {
            throw DataError(path: path, "IDX header declares \(rank) dimensions but the file is \(bytes.count) bytes long")
        }
        var dimensions: [Int] = []
        var elements = 1
        var overflowed = false
        for axis in 0..<rank {
            let offset = 4 + 4 * axis
            let size = bytes[offset ..< offset + 4].reduce(0) { $0 << 8 | Int($1) }
            dimensions.append(size)
            let (product, overflow) = elements.multipliedReportingOverflow(by: size)
            elements = product
            overflowed = overflowed || overflow
        }
        let payload = bytes.count - headerLength
        guard !overflowed, elements == payload else {
            let items = dimensions[0]
            let itemShape = dimensions.dropFirst().map(String.init).joined(separator: "x")
            let claim = rank == 1 ? "\(items) items" : "\(items) items of \(itemShape)"
            throw DataError(path: path, "header claims \(claim) but the file holds \(payload) bytes of data")
        }
        self.dimensions = dimensions
        self.values = Array(bytes[headerLength...])
    }
}
