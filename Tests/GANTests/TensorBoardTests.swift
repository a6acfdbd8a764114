import DCGANData
import DCGANKit
import Foundation
import Testing

@Suite struct TensorBoardTests {
    @Test func crc32cMatchesPublishedVectors() {
        // RFC 3720 B.4 and the common check value of "123456789".
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum([]) == 0)
        // The mask: rotate right by 15, add 0xa282ead8 (TensorFlow's crc32c::Mask).
        let crc = CRC32C.checksum(Array("123456789".utf8))
        #expect(CRC32C.masked(Array("123456789".utf8)) == ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
    }

    @Test func protobufWriterProducesTheWireFormat() throws {
        // The protobuf documentation's example: field 1 = 150 is 08 96 01.
        var message = ProtobufWriter()
        message.add(1, int: 150)
        #expect(message.bytes == [0x08, 0x96, 0x01])
        // field 2 = "testing": 12 07 74 65 73 74 69 6e 67.
        var text = ProtobufWriter()
        text.add(2, string: "testing")
        #expect(text.bytes == [0x12, 0x07] + Array("testing".utf8))
        // Negative int64 takes ten bytes; fixed-width fields are little-endian.
        var mixed = ProtobufWriter()
        mixed.add(3, int: -1)
        mixed.add(4, float: 1.5)
        mixed.add(5, double: -2.25)
        mixed.add(6) { $0.add(1, int: 7) }
        mixed.add(536_870_911, int: 0)
        #expect(Array(mixed.bytes.prefix(11)) == [0x18] + [UInt8](repeating: 0xFF, count: 9) + [0x01])
        let decoded = try ProtobufReader(mixed.bytes)
        #expect(decoded.first(3)?.int == -1)
        #expect(decoded.first(4)?.float == 1.5)
        #expect(decoded.first(5)?.double == -2.25)
        #expect(decoded.first(6)?.message?.first(1)?.int == 7)
        #expect(decoded.first(536_870_911)?.int == 0)
    }

    @Test func tfRecordFramesWithMaskedChecksums() throws {
        let data = Array("event".utf8)
        let framed = TFRecord.frame(data)
        #expect(framed.count == 8 + 4 + data.count + 4)
        #expect(framed.prefix(8) == [5, 0, 0, 0, 0, 0, 0, 0])
        #expect(try TFRecordReader.records(framed + TFRecord.frame([])) == [data, []])
        // A flipped bit anywhere is caught.
        for position in [0, 9, 13, framed.count - 1] {
            var damaged = framed
            damaged[position] ^= 0x10
            #expect(throws: TFRecordReader.Damaged.self) { try TFRecordReader.records(damaged) }
        }
    }

    @Test func eventFileHoldsScalarsAndImages() throws {
        let folder = Tiny.folder("events")
        let writer = try EventFileWriter(folder: folder, wallTime: 1_700_000_000.25, host: "box/one")
        #expect(writer.path == folder + "/events.out.tfevents.1700000000.box_one")
        try writer.addScalars(step: 3, [("loss_d", 0.5), ("fid", 12.25)], wallTime: 1_700_000_001)
        let png = try PNGCodec.encode(RasterImage(width: 3, height: 2, channels: 3, pixels: [UInt8](repeating: 9, count: 18)))
        try writer.addImage(step: 4, tag: "samples", png: png, wallTime: 1_700_000_002)
        #expect(throws: DataError.self) { try writer.addImage(step: 5, tag: "x", png: [1, 2, 3]) }
        // A second writer in the same second does not touch the first file.
        let second = try EventFileWriter(folder: folder, wallTime: 1_700_000_000.5, host: "box/one")
        #expect(second.path == writer.path + ".1")

        let events = try DecodedEvent.read(path: writer.path)
        #expect(events.count == 3)
        #expect(events[0].fileVersion == "brain.Event:2" && events[0].wallTime == 1_700_000_000.25)
        #expect(events[1].step == 3 && events[1].wallTime == 1_700_000_001)
        #expect(events[1].scalars.map(\.tag) == ["loss_d", "fid"] && events[1].scalars.map(\.value) == [0.5, 12.25])
        let image = try #require(events[2].images.first)
        #expect(events[2].step == 4 && image.tag == "samples" && image.png == png)
        #expect(image.width == 3 && image.height == 2 && image.colorspace == 3)
    }

    /// A new tiny run of four steps with a sample grid every two, not yet trained.
    static func fourStepRun(_ name: String) throws -> (RunFolder, TrainingRun) {
        let folder = RunFolder(Tiny.folder(name) + "/run")
        var training = Tiny.training(iterations: 4)
        training.sampleEvery = 2
        return (folder, try TrainingRun.start(model: Tiny.model, training: training, dataset: Tiny.dataset, folder: folder, overwrite: false))
    }

    @Test func trainingWritesEveryMetricAndSampleGridAsItGoes() throws {
        let (folder, run) = try Self.fourStepRun("tb-run")
        try run.run(stopAfter: 2) { _ in }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("events.out.tfevents.") }
        #expect(names.count == 1)
        let path = folder.path + "/" + names[0]
        // Already on disk after two steps, before the run ends.
        var events = try DecodedEvent.read(path: path)
        #expect(events.filter { !$0.scalars.isEmpty }.map(\.step) == [1, 2])
        try run.run { _ in }
        events = try DecodedEvent.read(path: path)
        let columns = MetricsLog.header.split(separator: ",").dropFirst().map(String.init)
        for step in 1...4 {
            let scalars = events.filter { $0.step == step }.flatMap(\.scalars)
            #expect(scalars.map(\.tag) == columns)
        }
        // The scalars are metrics.csv's values (to its printed precision).
        let csv = try String(contentsOfFile: folder.metricsPath, encoding: .utf8).split(separator: "\n")
        // (All but the last column, the health code: text, which TensorBoard does not get.)
        let row = csv[3].split(separator: ",", omittingEmptySubsequences: false).dropLast().map { Double($0)! }
        let logged = events.first { $0.step == 3 && !$0.scalars.isEmpty }!.scalars
        #expect(abs(Double(logged[1].value) - row[2]) < 1e-5)
        // Each sample grid, byte for byte, as an image at its step.
        let images = events.flatMap { event in event.images.map { (event.step, $0) } }
        #expect(images.map(\.0) == [2, 4])
        let grid = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder.samplePath(step: 4))))
        #expect(images.last?.1.png == grid)
    }

    @Test func resumedRunStartsANewEventFileAndKeepsItsCurves() throws {
        let (folder, first) = try Self.fourStepRun("tb-resume")
        try first.run(stopAfter: 3) { _ in }  // checkpoint at step 3
        first.close()
        let resumed = try TrainingRun.resume(folder: folder) { _, _ in Tiny.dataset }
        try resumed.run { _ in }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains("tfevents") }.sorted()
        #expect(files.count == 2)
        let steps = try files.map { name in try DecodedEvent.read(path: folder.path + "/" + name).filter { !$0.scalars.isEmpty }.map(\.step) }
        #expect(Set(steps) == [[1, 2, 3], [4]])
        // The plot after the resume shows all four steps: the first three from metrics.csv.
        let csv = try String(contentsOfFile: folder.metricsPath, encoding: .utf8)
        let plot = try PNGCodec.decode(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder.curvesPlotPath))), path: "plot")
        #expect(plot.pixels == TrainingCurves(csv: csv, upTo: 4).plot.render().pixels)
        #expect(TrainingCurves(csv: csv, upTo: 4).points["loss_d"]?.count == 4)
    }

    @Test func noTensorBoardWritesNoEventFile() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        let folder = Tiny.folder("tb-off")
        try CommandLineTests.trainTiny(into: folder + "/off", ["--no-tensorboard"])
        try CommandLineTests.trainTiny(into: folder + "/on")
        let events = { (run: String) in try FileManager.default.contentsOfDirectory(atPath: folder + "/" + run).filter { $0.contains("tfevents") } }
        #expect(try events("off").isEmpty)
        #expect(try events("on").count == 1)
        #expect(FileManager.default.fileExists(atPath: folder + "/off/training_curves.png"))
    }
}
