import Foundation
import DCGANTensor
import Testing
@testable import DCGANData

@Suite struct PackedDatasetTests {
    let labelled = ImageDataset(count: 3, channels: 3, height: 4, width: 4, pixels: (0..<144).map { UInt8($0) },
                                labels: [2, 0, 2], classNames: ["ant", "bee", "cat"])

    func packed(_ dataset: ImageDataset, in directory: TemporaryDirectory) throws -> String {
        let path = directory.file("set.pack")
        try PackedDataset.write(dataset, source: "test", to: path, overwrite: false)
        return path
    }

    @Test func roundTripsPixelsLabelsAndClassNamesThroughTheMapping() throws {
        let directory = try TemporaryDirectory()
        let path = try packed(labelled, in: directory)
        let dataset = try PackedDataset.open(path: path)
        #expect((dataset.count, dataset.channels, dataset.height, dataset.width) == (3, 3, 4, 4))
        #expect(dataset.storage.array == nil, "pixels should stay in the mapping")
        #expect(dataset.pixels == labelled.pixels)
        #expect(dataset.labels == [2, 0, 2] && dataset.classNames == ["ant", "bee", "cat"])
        let batch = Tensor(zeros: [1, 3, 4, 4])
        dataset.fillBatch(batch, indices: [1])
        #expect(batch.array == (48..<96).map { Float($0) / 127.5 - 1 })
        let header = try PackedDataset.header(path: path)
        #expect(header.source == "test" && header.hasLabels && header.count == 3)
    }

    @Test func unlabelledViewsPackOnlyTheirImages() throws {
        let directory = try TemporaryDirectory()
        let view = ImageDataset(count: 3, channels: 1, height: 2, width: 2, pixels: (0..<12).map { UInt8($0) }).subset([2, 0])
        let dataset = try PackedDataset.open(path: try packed(view, in: directory))
        #expect(dataset.pixels == [8, 9, 10, 11, 0, 1, 2, 3] && dataset.labels == nil)
    }

    @Test func damagedFilesAreOneLineErrors() throws {
        let directory = try TemporaryDirectory()
        let path = try packed(labelled, in: directory)
        let good = try [UInt8](Foundation.Data(contentsOf: URL(fileURLWithPath: path)))
        func message(_ bytes: [UInt8]) throws -> String? {
            try directory.write(bytes, to: "bad.pack")
            return dataErrorMessage { _ = try PackedDataset.open(path: directory.file("bad.pack")) }
        }
        let bad = directory.file("bad.pack")
        #expect(try message(Array("DCGANPAX".utf8) + good.dropFirst(8)) == "\(bad): not a packed dataset (made by dcgan dataset pack)")
        var version = good
        version[8] = 9
        #expect(try message(version) == "\(bad): packed format version 9 is not supported (this tool reads version 1)")
        #expect(try message(Array(good.dropLast(5)))?.hasPrefix("\(bad): file holds \(good.count - 5) bytes but its header describes \(good.count)") == true)
        #expect(try message(Array(good.prefix(30)))?.hasPrefix("\(bad): header of ") == true)
        var header = good
        header[25] ^= 0x20
        #expect(try message(header) == "\(bad): header checksum mismatch: the file is damaged")
        var pixel = good
        pixel[good.count - 10] ^= 1
        #expect(try message(pixel) == "\(bad): pixel checksum mismatch: the file is damaged")
        var label = good
        label[good.count - 1] = 1
        #expect(try message(label) == "\(bad): label checksum mismatch: the file is damaged")
        #expect(try message([]) == "\(bad): is empty")
        #expect(dataErrorMessage { _ = try PackedDataset.open(path: directory.file("none")) } == "\(directory.file("none")): not found")
    }

    @Test func refusesToReplaceAFileUnlessAsked() throws {
        let directory = try TemporaryDirectory()
        let path = try packed(labelled, in: directory)
        #expect(dataErrorMessage { try PackedDataset.write(labelled, source: "x", to: path, overwrite: false) }?.hasSuffix("already exists (pass the overwrite option to replace it)") == true)
        try PackedDataset.write(labelled.subset([0]), source: "x", to: path, overwrite: true)
        #expect(try PackedDataset.open(path: path).count == 1)
    }
}
