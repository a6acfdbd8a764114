import DCGANData
import Foundation

/// A TensorBoard event file (`events.out.tfevents.<seconds>.<host>`): TFRecord-framed
/// `Event` protocol buffers, encoded by hand. The first event names the format
/// ("brain.Event:2"); then each step's named scalars go into one event, and images as PNG
/// image summaries.
///
/// The file is an append-only log that TensorBoard reads while it grows, so it is not written
/// through a temporary file: each event is appended with one `write`, and a reader that meets
/// a record cut short by a crash stops there, as TensorBoard does.
public final class EventFileWriter {
    /// The file being written.
    public let path: String
    private let descriptor: Int32

    /// Field numbers of tensorflow/core/util/event.proto and summary.proto.
    enum Field {
        static let eventWallTime = 1, eventStep = 2, eventFileVersion = 3, eventSummary = 5
        static let summaryValue = 1
        static let valueTag = 1, valueSimpleValue = 2, valueImage = 4
        static let imageHeight = 1, imageWidth = 2, imageColorspace = 3, imageEncoded = 4
    }

    /// The version string TensorBoard expects in the first event.
    public static let fileVersion = "brain.Event:2"

    /// Creates a new event file in `folder` (which must exist), named after `wallTime` (seconds
    /// since 1970) and `host` as TensorFlow names them; a `.1`, `.2`, ... suffix keeps an
    /// existing file of the same name (a run resumed within the same second) untouched.
    public init(folder: String, wallTime: Double = Date().timeIntervalSince1970,
                host: String = ProcessInfo.processInfo.hostName) throws {
        let base = folder + "/" + Self.fileName(wallTime: wallTime, host: host)
        var candidate = base, suffix = 0, opened: Int32 = -1
        while true {
            opened = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, 0o644)
            guard opened < 0 && errno == EEXIST && suffix < 1000 else { break }
            suffix += 1
            candidate = base + ".\(suffix)"
        }
        guard opened >= 0 else { throw DataError(path: candidate, "cannot create the TensorBoard event file: \(DataError.systemMessage(errno))") }
        path = candidate
        descriptor = opened
        var first = ProtobufWriter()
        first.add(Field.eventWallTime, double: wallTime)
        first.add(Field.eventFileVersion, string: Self.fileVersion)
        do { try append(first) } catch {
            close(descriptor)
            unlink(candidate)
            throw error
        }
    }

    deinit { close(descriptor) }

    /// `events.out.tfevents.<whole seconds>.<host>`, the host with path separators replaced.
    public static func fileName(wallTime: Double, host: String) -> String {
        let safeHost = host.isEmpty ? "localhost" : host.replacingOccurrences(of: "/", with: "_")
        return "events.out.tfevents.\(Int(wallTime)).\(safeHost)"
    }

    /// One event at `step` holding a scalar summary per named value (the tag is the name).
    public func addScalars(step: Int, _ scalars: [(name: String, value: Double)],
                           wallTime: Double = Date().timeIntervalSince1970) throws {
        guard !scalars.isEmpty else { return }
        try append(event(step: step, wallTime: wallTime) { summary in
            for (name, value) in scalars {
                summary.add(Field.summaryValue) { entry in
                    entry.add(Field.valueTag, string: name)
                    entry.add(Field.valueSimpleValue, float: Float(value))
                }
            }
        })
    }

    /// One event at `step` holding `png` (a complete PNG file) as an image summary under `tag`.
    public func addImage(step: Int, tag: String, png: [UInt8], wallTime: Double = Date().timeIntervalSince1970) throws {
        guard let size = Self.pngSize(png) else { throw DataError(path: path, "the image for '\(tag)' is not a PNG file") }
        try append(event(step: step, wallTime: wallTime) { summary in
            summary.add(Field.summaryValue) { entry in
                entry.add(Field.valueTag, string: tag)
                entry.add(Field.valueImage) { image in
                    image.add(Field.imageHeight, int: Int64(size.height))
                    image.add(Field.imageWidth, int: Int64(size.width))
                    image.add(Field.imageColorspace, int: Int64(size.channels))
                    image.add(Field.imageEncoded, bytes: png)
                }
            }
        })
    }

    private func event(step: Int, wallTime: Double, summary: (inout ProtobufWriter) -> Void) -> ProtobufWriter {
        var event = ProtobufWriter()
        event.add(Field.eventWallTime, double: wallTime)
        event.add(Field.eventStep, int: Int64(step))
        event.add(Field.eventSummary, build: summary)
        return event
    }

    /// Width, height and channel count from a PNG's IHDR chunk (colour types 0, 4, 2, 6 hold
    /// 1 to 4 channels: the numbering of `Summary.Image.colorspace`).
    static func pngSize(_ png: [UInt8]) -> (width: Int, height: Int, channels: Int)? {
        guard png.count >= 26, png[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { return nil }
        let bigEndian = { (at: Int) in png[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        let channels: [UInt8: Int] = [0: 1, 4: 2, 2: 3, 6: 4]
        guard let count = channels[png[25]] else { return nil }
        return (bigEndian(16), bigEndian(20), count)
    }

    private func append(_ event: ProtobufWriter) throws {
        let record = TFRecord.frame(event.bytes)
        try record.withUnsafeBytes { try AtomicFile.writeAll($0, to: descriptor, path: path) }
    }
}
