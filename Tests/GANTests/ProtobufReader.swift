import DCGANKit
import Foundation

/// Test-side decoders for what the tool writes by hand: a generic protocol-buffer field
/// reader and a TFRecord reader that checks lengths and masked CRC-32Cs.
struct ProtobufReader {
    enum Value: Equatable {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes([UInt8])
        case fixed32(UInt32)

        var int: Int64? { if case .varint(let v) = self { Int64(bitPattern: v) } else { nil } }
        var data: [UInt8]? { if case .bytes(let b) = self { b } else { nil } }
        var string: String? { data.map { String(decoding: $0, as: UTF8.self) } }
        var double: Double? { if case .fixed64(let v) = self { Double(bitPattern: v) } else { nil } }
        var float: Float? { if case .fixed32(let v) = self { Float(bitPattern: v) } else { nil } }
        var message: ProtobufReader? { data.flatMap { try? ProtobufReader($0) } }
    }

    struct Malformed: Error {}

    /// Every field in order: (field number, value).
    let fields: [(field: Int, value: Value)]

    init(_ bytes: [UInt8]) throws {
        var at = 0, fields: [(Int, Value)] = []
        func varint() throws -> UInt64 {
            var result: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard at < bytes.count, shift < 64 else { throw Malformed() }
                let byte = bytes[at]
                at += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return result }
                shift += 7
            }
        }
        func fixed(_ count: Int) throws -> UInt64 {
            guard at + count <= bytes.count else { throw Malformed() }
            defer { at += count }
            return bytes[at..<(at + count)].reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }
        while at < bytes.count {
            let key = try varint()
            let field = Int(key >> 3)
            switch key & 7 {
            case 0: fields.append((field, .varint(try varint())))
            case 1: fields.append((field, .fixed64(try fixed(8))))
            case 2:
                let length = Int(try varint())
                guard at + length <= bytes.count else { throw Malformed() }
                fields.append((field, .bytes(Array(bytes[at..<(at + length)]))))
                at += length
            case 5: fields.append((field, .fixed32(UInt32(try fixed(4)))))
            default: throw Malformed()
            }
        }
        self.fields = fields
    }

    /// All values of `field`.
    func all(_ field: Int) -> [Value] { fields.filter { $0.field == field }.map(\.value) }
    /// The last value of `field` (protobuf's rule for a repeated singular field).
    func first(_ field: Int) -> Value? { all(field).last }
}

/// The records of a TFRecord file, each checked: the masked CRC-32C of the length and of the
/// data must match, and the file must end exactly after the last record.
enum TFRecordReader {
    struct Damaged: Error, CustomStringConvertible { let description: String }

    static func records(_ bytes: [UInt8]) throws -> [[UInt8]] {
        var at = 0, records: [[UInt8]] = []
        func uint(_ count: Int) -> UInt64 { bytes[at..<(at + count)].reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        while at < bytes.count {
            guard at + 12 <= bytes.count else { throw Damaged(description: "truncated length at \(at)") }
            let lengthBytes = Array(bytes[at..<(at + 8)])
            let length = Int(uint(8))
            at += 8
            guard UInt32(uint(4)) == CRC32C.masked(lengthBytes) else { throw Damaged(description: "length CRC at \(at)") }
            at += 4
            guard at + length + 4 <= bytes.count else { throw Damaged(description: "truncated record at \(at)") }
            let data = Array(bytes[at..<(at + length)])
            at += length
            guard UInt32(uint(4)) == CRC32C.masked(data) else { throw Damaged(description: "data CRC at \(at)") }
            at += 4
            records.append(data)
        }
        return records
    }
}

/// The events of a TensorBoard file as the tests look at them.
struct DecodedEvent {
    var wallTime: Double
    var step: Int
    var fileVersion: String?
    /// (tag, simple value) of each scalar.
    var scalars: [(tag: String, value: Float)]
    /// (tag, height, width, colorspace, PNG bytes) of each image.
    var images: [(tag: String, height: Int, width: Int, colorspace: Int, png: [UInt8])]

    static func read(path: String) throws -> [DecodedEvent] {
        try TFRecordReader.records([UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))).map { record in
            let event = try ProtobufReader(record)
            var decoded = DecodedEvent(wallTime: event.first(1)?.double ?? .nan, step: Int(event.first(2)?.int ?? 0),
                                       fileVersion: event.first(3)?.string, scalars: [], images: [])
            for value in event.first(5)?.message?.all(1).compactMap(\.message) ?? [] {
                let tag = value.first(1)?.string ?? ""
                if let scalar = value.first(2)?.float { decoded.scalars.append((tag, scalar)) }
                if let image = value.first(4)?.message {
                    decoded.images.append((tag, Int(image.first(1)?.int ?? 0), Int(image.first(2)?.int ?? 0),
                                           Int(image.first(3)?.int ?? 0), image.first(4)?.data ?? []))
                }
            }
            return decoded
        }
    }
}
