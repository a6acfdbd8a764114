import CDCGANZlib
import DCGANData
import Foundation
import DCGANTensor

/// The container format shared by checkpoints and classifier files: a magic, a format
/// version (UInt32 LE), a JSON header length (UInt32 LE), the readable JSON header, the
/// tensors as Float32 LE in the header's order, and a CRC-32 of everything before it.
enum TensorArchive {
    /// A tensor's name and shape as the header lists them.
    struct Entry: Codable, Equatable {
        var name: String
        var shape: [Int]
    }

    static func encode(magic: [UInt8], version: UInt32, header: some Encodable, tensors: [(String, Tensor)]) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = Array(try encoder.encode(header)) + Array("\n".utf8)
        var bytes = magic
        bytes.reserveCapacity(json.count + tensors.reduce(0) { $0 + $1.1.count * 4 } + 64)
        appendUInt32(version, to: &bytes)
        appendUInt32(UInt32(json.count), to: &bytes)
        bytes += json
        for (_, tensor) in tensors {
            for value in tensor.buffer { appendUInt32(value.bitPattern, to: &bytes) }
        }
        appendUInt32(checksum(bytes[...]), to: &bytes)
        return bytes
    }

    /// The largest JSON header accepted (a checkpoint's is a few kilobytes).
    static let maxHeaderBytes = 16 << 20
    /// The largest dimension and rank a tensor of the list may have.
    static let maxDimension = 1 << 28, maxRank = 8

    /// An archive whose checksum is verified and whose header is decoded and agrees with the
    /// file's length; the tensors are still on disk, to be read into their final place.
    struct Opened<Header> {
        let header: Header
        let entries: [Entry]
        let file: ReadOnlyFile
        let payloadOffset: Int

        /// Reads the stored tensors into `tensors`, which have the entries' shapes in their
        /// order (the caller checks), each straight into its own storage. A NaN or an infinity is refused: no
        /// trained network or optimiser state holds one, so it means a damaged or forged file.
        func read(into tensors: [Tensor]) throws {
            var position = payloadOffset
            for (entry, tensor) in zip(entries, tensors) {
                try file.read(at: position, into: UnsafeMutableRawBufferPointer(tensor.buffer))
                #if _endian(big)
                for i in 0..<tensor.count { tensor[i] = Float(bitPattern: UInt32(littleEndian: tensor[i].bitPattern)) }
                #endif
                guard tensor.buffer.allSatisfy({ $0.isFinite }) else {
                    throw DataError(path: file.path, "tensor '\(entry.name)' holds a value that is not finite (NaN or infinity)")
                }
                position += tensor.count * 4
            }
        }
    }

    /// Opens an archive: verifies magic, version and checksum (reading the file in chunks), then
    /// decodes the header and checks every shape in it (`entries` extracts the tensor list)
    /// against the file's length, so that nothing is allocated for sizes the file cannot hold.
    static func open<Header: Decodable>(path: String, magic: [UInt8], version: UInt32, kind: String,
                                        entries: (Header) -> [Entry]) throws -> Opened<Header> {
        let fail = { (problem: String) in DataError(path: path, problem) }
        let file = try ReadOnlyFile(path: path)
        let prefix = magic.count, size = file.size
        guard size >= prefix + 12, try file.bytes(at: 0, count: prefix) == magic else { throw fail("not a dcgan \(kind) (bad magic)") }
        let fields = try file.bytes(at: prefix, count: 8)
        let found = readUInt32(fields, at: 0)
        guard found == version else { throw fail("\(kind) format \(found) is not supported (this tool reads \(version))") }
        guard try readUInt32(file.bytes(at: size - 4, count: 4), at: 0) == checksum(of: file, count: size - 4) else {
            throw fail("\(kind) is damaged (checksum mismatch)")
        }
        let headerStart = prefix + 8, headerLength = Int(readUInt32(fields, at: 4))
        guard headerLength <= min(maxHeaderBytes, size - 4 - headerStart) else { throw fail("\(kind) header is truncated") }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(try file.bytes(at: headerStart, count: headerLength)))
        } catch {
            throw fail("\(kind) header is not valid")
        }
        let list = entries(header)
        guard let payload = payloadBytes(list) else { throw fail("\(kind) header lists a tensor of an impossible shape") }
        // Compared on the file's side, where no sum can overflow.
        guard payload == size - 4 - headerStart - headerLength else {
            let (described, overflow) = payload.addingReportingOverflow(headerStart + headerLength + 4)
            throw fail("\(kind) holds \(size) bytes, its header describes \(overflow ? "more than \(Int.max)" : "\(described)")")
        }
        return Opened(header: header, entries: list, file: file, payloadOffset: headerStart + headerLength)
    }

    /// Bytes the tensors of `list` take, or nil when a shape is out of bounds or the sum overflows.
    static func payloadBytes(_ list: [Entry]) -> Int? {
        var total = 0
        for entry in list {
            guard entry.shape.count <= maxRank, entry.shape.allSatisfy({ (0...maxDimension).contains($0) }) else { return nil }
            var bytes = 4
            for dimension in entry.shape {
                let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
                guard !overflow else { return nil }
                bytes = product
            }
            let (sum, overflow) = total.addingReportingOverflow(bytes)
            guard !overflow else { return nil }
            total = sum
        }
        return total
    }

    /// The CRC-32 of the first `count` bytes of `file`, read a megabyte at a time.
    static func checksum(of file: ReadOnlyFile, count: Int) throws -> UInt32 {
        var crc = crc32(0, nil, 0)
        var chunk = [UInt8](repeating: 0, count: min(count, 1 << 20))
        var position = 0
        while position < count {
            let length = min(chunk.count, count - position)
            try chunk.withUnsafeMutableBytes { try file.read(at: position, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<length])) }
            crc = chunk.withUnsafeBufferPointer { crc32(crc, $0.baseAddress, UInt32(length)) }
            position += length
        }
        return UInt32(crc)
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
    }

    static func appendUInt32(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }
}
