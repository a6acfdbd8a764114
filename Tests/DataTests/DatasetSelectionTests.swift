import Foundation
import DCGANTensor
import Testing
@testable import DCGANData

@Suite struct DatasetSelectionTests {
    /// Ten 1x2x2 images; image n holds bytes 10n ... 10n+3 and has label n % 3.
    let dataset = ImageDataset(count: 10, channels: 1, height: 2, width: 2,
                               pixels: (0..<10).flatMap { n in (0..<4).map { UInt8(10 * n + $0) } },
                               labels: (0..<10).map { $0 % 3 }, classNames: ["a", "b", "c"])

    @Test func holdOutIsSeededDisjointAndComplete() {
        let (training, heldOut) = dataset.holdingOut(fraction: 0.3, seed: 7)
        let again = dataset.holdingOut(fraction: 0.3, seed: 7)
        #expect((training.count, heldOut.count) == (7, 3))
        #expect(training.pixels == again.training.pixels && heldOut.pixels == again.heldOut.pixels)
        let firstBytes = Set(stride(from: 0, to: 28, by: 4).map { training.pixels[$0] } + stride(from: 0, to: 12, by: 4).map { heldOut.pixels[$0] })
        #expect(firstBytes == Set((0..<10).map { UInt8(10 * $0) }))
        #expect(dataset.holdingOut(fraction: 0.3, seed: 8).heldOut.pixels != heldOut.pixels
                || dataset.holdingOut(fraction: 0.3, seed: 9).heldOut.pixels != heldOut.pixels)
        #expect(dataset.holdingOut(fraction: 0, seed: 1).training.count == 10)
    }

    @Test func viewsFeedBatchesAndResizingFromTheirOwnImages() {
        let cats = dataset.selecting(classes: [2])!
        #expect(cats.count == 3 && cats.labels == [2, 2, 2])
        #expect(cats.pixels == [20, 21, 22, 23, 50, 51, 52, 53, 80, 81, 82, 83])
        let nested = cats.subset([2, 0])
        let batch = Tensor(zeros: [2, 1, 2, 2])
        nested.fillBatch(batch, indices: [0, 1])
        #expect(batch.array == [80, 81, 82, 83, 20, 21, 22, 23].map { Float($0) / 127.5 - 1 })
        #expect(nested.resized(to: 1).pixels == [82, 22])  // box mean of 80...83 is 81.5, rounds to even-away 82
    }

    @Test func grayAndRGBConvertBothWays() {
        let rgb = dataset.subset([1]).converted(toChannels: 3)!
        #expect(rgb.pixels == [10, 11, 12, 13, 10, 11, 12, 13, 10, 11, 12, 13])
        #expect(rgb.converted(toChannels: 1)?.pixels == [10, 11, 12, 13])
        #expect(dataset.converted(toChannels: 2) == nil)
    }

    @Test func catalogFiltersConvertsResizesAndHoldsOut() throws {
        let fixture = try CIFARFixture()
        let options = DatasetOptions(split: .train, classes: "cat,5", holdout: 0.25, seed: 3)
        let loaded = try DatasetCatalog.load(name: "cifar10", root: fixture.directory.path, imageSize: 16, channels: 1, options: options)
        // Labels 3 and 5 occur 6 times in the five training batches; 1.5 rounds to 2 held out.
        #expect(loaded.training.count == 4 && loaded.heldOut?.count == 2)
        #expect((loaded.training.channels, loaded.training.height) == (1, 16))
        #expect(loaded.training.labels?.allSatisfy { $0 == 3 || $0 == 5 } == true)
        #expect(loaded.notes == ["held out 2 of 6 images (--holdout 0.25)"])
    }

    @Test func catalogReadsPackedFilesAndRefusesMissingSplits() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("d.pack")
        try PackedDataset.write(dataset, source: "test", to: path, overwrite: false)
        let loaded = try DatasetCatalog.load(name: "packed", root: path, imageSize: 2, channels: 1, options: DatasetOptions(classes: "b"))
        #expect(loaded.training.labels == [1, 1, 1] && loaded.training.pixels == [10, 11, 12, 13, 40, 41, 42, 43, 70, 71, 72, 73])
        #expect(dataErrorMessage { _ = try DatasetCatalog.load(name: "packed", root: path, imageSize: 2, channels: 1, options: DatasetOptions(split: .test)) }
            == "\(path): the packed dataset has no test split (use --holdout to keep images out of training)")
        #expect(dataErrorMessage { _ = try DatasetCatalog.load(name: "packed", root: path, imageSize: 2, channels: 1, options: DatasetOptions(holdout: 1)) }
            == "\(path): the hold-out fraction must be in [0, 1), not 1.0")
        #expect(dataErrorMessage { _ = try DatasetCatalog.load(name: "fake", root: "-", imageSize: 2, channels: 1, options: DatasetOptions(classes: "b")) }
            == "-: unknown class 'b' in --classes 'b'; known classes (this dataset has no class names; use indices)")
    }
}
