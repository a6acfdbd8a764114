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

    /// Verifies magic, version and checksum and decodes the header; `entries` extracts the
    /// tensor list from it so the payload size can be checked.
    static func decodeHeader<Header: Decodable>(_ bytes: [UInt8], path: String, magic: [UInt8], version: UInt32, kind: String,
                                                entries: (Header) -> [Entry]) throws -> (header: Header, payloadOffset: Int) {
        let fail = { (problem: String) in DataError(path: path, problem) }
        let prefix = magic.count
        guard bytes.count >= prefix + 12, Array(bytes[0..<prefix]) == magic else { throw fail("not a dcgan \(kind) (bad magic)") }
        let found = readUInt32(bytes, at: prefix)
        guard found == version else { throw fail("\(kind) format \(found) is not supported (this tool reads \(version))") }
        guard readUInt32(bytes, at: bytes.count - 4) == checksum(bytes[0..<(bytes.count - 4)]) else {
            throw fail("\(kind) is damaged (checksum mismatch)")
        }
        let headerStart = prefix + 8, headerLength = Int(readUInt32(bytes, at: prefix + 4))
        guard headerStart + headerLength <= bytes.count - 4 else { throw fail("\(kind) header is truncated") }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(bytes[headerStart..<(headerStart + headerLength)]))
        } catch {
            throw fail("\(kind) header is not valid")
        }
        let list = entries(header)
        guard list.allSatisfy({ $0.shape.allSatisfy { (0...(1 << 28)).contains($0) } }) else { throw fail("\(kind) header is not valid") }
        let expected = headerStart + headerLength + list.reduce(0) { $0 + $1.shape.reduce(1, *) * 4 } + 4
        guard expected == bytes.count else { throw fail("\(kind) holds \(bytes.count) bytes, its header describes \(expected)") }
        return (header, headerStart + headerLength)
    }

    /// Copies the payload into `tensors`, which must match the header's list (checked by the caller).
    static func readTensors(_ bytes: [UInt8], from offset: Int, into tensors: [Tensor]) {
        var position = offset
        for tensor in tensors {
            for i in 0..<tensor.count {
                tensor[i] = Float(bitPattern: readUInt32(bytes, at: position))
                position += 4
            }
        }
    }

    /// Reads a whole file, with a one-line error naming it.
    static func readFile(_ path: String, kind: String) throws -> [UInt8] {
        do { return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw DataError(path: path, FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such \(kind)")
        }
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
