/// Builds one protocol-buffer message in the wire format, field by field: enough of the
/// format for the few messages this tool writes by hand (TensorBoard's `Event`, ONNX's
/// `ModelProto`), so that no generated code or protobuf library is needed.
///
/// Repeated scalar fields are written one element per field (unpacked), which every parser
/// accepts for both proto2 and proto3 messages.
public struct ProtobufWriter: Sendable {
    /// The message encoded so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty message.
    public init() {}

    /// The wire types: how a reader finds the end of a field it does not know.
    enum WireType: UInt64 { case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5 }

    /// An unsigned base-128 varint, low 7 bits first.
    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value, out: [UInt8] = []
        while value >= 0x80 {
            out.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
        return out
    }

    private mutating func key(_ field: Int, _ type: WireType) {
        precondition(field >= 1 && field < 1 << 29, "protobuf field numbers lie in 1..<2^29")
        bytes += Self.varint(UInt64(field) << 3 | type.rawValue)
    }

    /// An `int32`, `int64`, `uint64`, `bool` or enum field (negative values take ten bytes, as
    /// the format prescribes for `int32`/`int64`).
    public mutating func add(_ field: Int, int: Int64) {
        key(field, .varint)
        bytes += Self.varint(UInt64(bitPattern: int))
    }

    /// A `double` field.
    public mutating func add(_ field: Int, double: Double) {
        key(field, .fixed64)
        withUnsafeBytes(of: double.bitPattern.littleEndian) { bytes += $0 }
    }

    /// A `float` field.
    public mutating func add(_ field: Int, float: Float) {
        key(field, .fixed32)
        withUnsafeBytes(of: float.bitPattern.littleEndian) { bytes += $0 }
    }

    /// A `bytes` field.
    public mutating func add(_ field: Int, bytes data: [UInt8]) {
        key(field, .lengthDelimited)
        bytes += Self.varint(UInt64(data.count))
        bytes += data
    }

    /// A `string` field (UTF-8).
    public mutating func add(_ field: Int, string: String) { add(field, bytes: Array(string.utf8)) }

    /// An embedded message field.
    public mutating func add(_ field: Int, message: ProtobufWriter) { add(field, bytes: message.bytes) }

    /// A message built in place by `build`.
    public mutating func add(_ field: Int, build: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        build(&inner)
        add(field, message: inner)
    }
}
