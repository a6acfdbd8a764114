import DCGANData
import DCGANTensor
import Foundation

/// The safetensors format (Hugging Face's, read by `safetensors.torch.load_file`): an 8-byte
/// little-endian header length N, N bytes of JSON mapping each tensor's name to its dtype,
/// shape and byte range in the data that follows (plus an optional `__metadata__` object of
/// strings), then the tensors' bytes, little-endian, row-major.
///
/// This tool writes float32 tensors and int64 scalars (BatchNorm's `num_batches_tracked`);
/// it reads the same two types and refuses any file whose header does not describe exactly
/// the bytes that follow.
public enum SafeTensors {
    /// A tensor's value as stored.
    public enum Value: Equatable {
        case float32(Tensor)
        case int64(shape: [Int], values: [Int64])

        /// The tensor's dimensions ([] for a scalar).
        public var shape: [Int] {
            switch self {
            case .float32(let tensor): tensor.shape
            case .int64(let shape, _): shape
            }
        }

        var dtype: String {
            switch self {
            case .float32: "F32"
            case .int64: "I64"
            }
        }

        /// Same type, shape and values.
        public static func == (a: Value, b: Value) -> Bool {
            switch (a, b) {
            case let (.float32(x), .float32(y)): x.shape == y.shape && x.array == y.array
            case let (.int64(s, v), .int64(t, w)): s == t && v == w
            default: false
            }
        }
    }

    /// The largest header this reader accepts (the reference implementation's limit too).
    public static let maxHeaderLength = 100_000_000

    /// The bytes of a file holding `tensors` in order, with string `metadata`.
    public static func encode(_ tensors: [(name: String, value: Value)], metadata: [String: String] = [:]) throws -> [UInt8] {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var data: [UInt8] = []
        for (name, value) in tensors {
            let begin = data.count
            switch value {
            case .float32(let tensor): tensor.array.map(\.bitPattern.littleEndian).withUnsafeBytes { data += $0 }
            case .int64(_, let values): values.map(\.littleEndian).withUnsafeBytes { data += $0 }
            }
            header[name] = ["dtype": value.dtype, "shape": value.shape, "data_offsets": [begin, data.count]] as [String: Any]
        }
        var json = Array(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        // Padding with spaces keeps the data 8-byte aligned, as the reference writer does.
        while json.count % 8 != 0 { json.append(0x20) }
        return withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json + data
    }

    /// The tensors (in file order) and metadata of a safetensors file's bytes. Every problem
    /// with the header is a one-line `DataError` naming `path`.
    public static func decode(_ bytes: [UInt8], path: String) throws -> (tensors: [(name: String, value: Value)], metadata: [String: String]) {
        func fail(_ problem: String) -> DataError { DataError(path: path, "not a valid safetensors file: " + problem) }
        guard bytes.count >= 8 else { throw fail("shorter than its 8-byte header length") }
        let length = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard length <= UInt64(min(maxHeaderLength, bytes.count - 8)) else {
            throw fail("its header length \(length) runs past the end of the file (\(bytes.count) bytes)")
        }
        let dataStart = 8 + Int(length), dataLength = bytes.count - dataStart
        guard let header = try? JSONDecoder().decode([String: HeaderValue].self, from: Data(bytes[8..<dataStart])) else {
            throw fail("its header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        var entries: [(name: String, dtype: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard case .metadata(let strings) = value else { throw fail("__metadata__ is not an object of strings") }
                metadata = strings
                continue
            }
            guard case .tensor(let entry) = value, entry.dataOffsets.count == 2, entry.shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor '\(name)' lacks a dtype, shape or two data_offsets")
            }
            let (dtype, shape, offsets) = (entry.dtype, entry.shape, entry.dataOffsets)
            guard let size = ["F32": 4, "I64": 8][dtype] else {
                throw fail("tensor '\(name)' has dtype \(dtype); this tool reads F32 (and I64 for num_batches_tracked)")
            }
            var bytesNeeded = size
            for dimension in shape {
                let (product, overflow) = bytesNeeded.multipliedReportingOverflow(by: dimension)
                guard dimension >= 0, !overflow, product <= dataLength else {
                    throw fail("tensor '\(name)' of shape \(shape) is larger than the file")
                }
                bytesNeeded = product
            }
            guard offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataLength else {
                throw fail("tensor '\(name)' has data_offsets \(offsets) outside the \(dataLength) data bytes")
            }
            guard offsets[1] - offsets[0] == bytesNeeded else {
                throw fail("tensor '\(name)' of shape \(shape) and dtype \(dtype) needs \(bytesNeeded) bytes, its data_offsets span \(offsets[1] - offsets[0])")
            }
            entries.append((name, dtype, shape, offsets[0], offsets[1]))
        }
        // The data must be covered exactly once: no gaps, no overlaps, nothing left over.
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var position = 0
        for entry in entries {
            guard entry.begin == position else {
                throw fail(entry.begin < position ? "tensor '\(entry.name)' overlaps the tensor before it"
                                                  : "there is a gap of \(entry.begin - position) bytes before tensor '\(entry.name)'")
            }
            position = entry.end
        }
        guard position == dataLength else { throw fail("\(dataLength - position) bytes after the last tensor belong to none") }
        let tensors = entries.map { entry -> (name: String, value: Value) in
            let raw = bytes[(dataStart + entry.begin)..<(dataStart + entry.end)]
            if entry.dtype == "I64" {
                let values = stride(from: raw.startIndex, to: raw.endIndex, by: 8).map { at in
                    Int64(bitPattern: raw[at..<(at + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
                }
                return (entry.name, .int64(shape: entry.shape, values: values))
            }
            let tensor = Tensor(zeros: entry.shape)
            raw.withUnsafeBytes { source in
                for i in 0..<tensor.count { tensor[i] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            }
            return (entry.name, .float32(tensor))
        }
        return (tensors, metadata)
    }

    /// Reads and decodes the file at `path` (a regular file only: a FIFO is refused, not waited on).
    public static func read(path: String) throws -> (tensors: [(name: String, value: Value)], metadata: [String: String]) {
        let file = try ReadOnlyFile(path: path)
        if let refusal = SystemMemory.shortfall(2 * Double(file.size), for: "reading \(path)") { throw ConfigError(refusal) }
        return try decode(try file.bytes(at: 0, count: file.size), path: path)
    }

    /// One value of the header: a tensor's entry, the metadata, or anything else.
    private enum HeaderValue: Decodable {
        struct Entry: Decodable {
            var dtype: String
            var shape: [Int]
            var dataOffsets: [Int]
            enum CodingKeys: String, CodingKey { case dtype, shape, dataOffsets = "data_offsets" }
        }

        case tensor(Entry)
        case metadata([String: String])
        case other

        init(from decoder: Decoder) throws {
            if let entry = try? Entry(from: decoder) {
                self = .tensor(entry)
            } else if let strings = try? [String: String](from: decoder) {
                self = .metadata(strings)
            } else {
                self = .other
            }
        }
    }
}
