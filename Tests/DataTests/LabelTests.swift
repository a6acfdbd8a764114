import Foundation
import Testing
@testable import DCGANData

/// Labels and class names must survive every way into training: the readers, the class filter,
/// gray/RGB conversion, resizing, the hold-out split and packing. (HDF5 and LMDB carry no
/// labels; HDF5Tests and LMDBTests check that theirs are nil.)
@Suite struct LabelTests {
    /// Loads through the catalog, as `dcgan train` and `dcgan dataset pack` do.
    func load(_ name: String, _ root: String, size: Int, channels: Int?, classes: String? = nil, holdout: Double = 0) throws -> LoadedDataset {
        try DatasetCatalog.load(name: name, root: root, imageSize: size, channels: channels,
                                options: DatasetOptions(classes: classes, holdout: holdout, seed: 5))
    }

    @Test func cifar10KeepsLabelsThroughConversionResizingAndHoldOut() throws {
        let fixture = try CIFARFixture()
        let all = fixture.labels.prefix(5).flatMap { $0 }
        let whole = try load("cifar10", fixture.directory.path, size: 16, channels: 1)
        #expect(whole.training.labels == all && whole.training.classNames == CIFAR10Dataset.classNames)
        #expect((whole.training.channels, whole.training.height) == (1, 16))

        let filtered = try load("cifar10", fixture.directory.path, size: 32, channels: 3, classes: "cat,dog")
        #expect(filtered.training.labels == all.filter { $0 == 3 || $0 == 5 })
        #expect(filtered.training.classNames == CIFAR10Dataset.classNames)

        let split = try load("cifar10", fixture.directory.path, size: 8, channels: 3, holdout: 0.4)
        let training = try #require(split.training.labels), heldOut = try #require(split.heldOut?.labels)
        #expect((training + heldOut).sorted() == all.sorted() && heldOut.count == 6)
        #expect(split.heldOut?.classNames == CIFAR10Dataset.classNames)
    }

    @Test func mnistKeepsLabelsAndFashionMNISTNamesItsClasses() throws {
        let directory = try TemporaryDirectory()
        try directory.write(idxBytes(dimensions: [4, 2, 2], values: (0..<16).map { UInt8($0 * 10) }), to: "train-images-idx3-ubyte")
        try directory.write(idxBytes(dimensions: [4], values: [7, 0, 9, 7]), to: "train-labels-idx1-ubyte")
        let digits = try load("mnist", directory.path, size: 4, channels: 3)
        #expect(digits.training.labels == [7, 0, 9, 7] && digits.training.classNames == nil)
        #expect((digits.training.channels, digits.training.height) == (3, 4))

        let fashion = try load("fashion-mnist", directory.path, size: 2, channels: 1)
        #expect(fashion.training.labels == [7, 0, 9, 7] && fashion.training.classNames?[7] == "Sneaker")
        let sneakers = try load("fashion-mnist", directory.path, size: 2, channels: 1, classes: "sneaker,ankle boot")
        #expect(sneakers.training.labels == [7, 9, 7])
        #expect(sneakers.training.pixels == [0, 10, 20, 30, 80, 90, 100, 110, 120, 130, 140, 150])
    }

    @Test func foldersAndThePackedFilesMadeFromThemKeepLabelsAndNames() throws {
        let directory = try TemporaryDirectory()
        let tree = directory.file("tree")
        for folder in ["tree", "tree/bird", "tree/ant"] { try FileManager.default.createDirectory(atPath: directory.file(folder), withIntermediateDirectories: false) }
        for (name, value) in [("bird/1.png", 30), ("ant/1.png", 10), ("bird/2.png", 40), ("ant/2.webp", 20)] {
            let image = RasterImage(width: 4, height: 4, channels: 3, pixels: [UInt8](repeating: UInt8(value), count: 48))
            try directory.write(name.hasSuffix(".png") ? PNGCodec.encode(image) : WebPCodec.encode(image), to: "tree/" + name)
        }
        let folder = try load("folder", tree, size: 2, channels: 1)
        #expect(folder.training.labels == [0, 0, 1, 1] && folder.training.classNames == ["ant", "bird"])
        #expect(folder.training.pixels == [10, 20, 30, 40].flatMap { [UInt8](repeating: $0, count: 4) })
        #expect(try load("folder", tree, size: 2, channels: 1, classes: "bird").training.labels == [1, 1])

        // What `dcgan dataset pack` does: load through the catalog, write the training images.
        let pack = directory.file("tree.pack")
        try PackedDataset.write(folder.training, source: "folder \(tree)", to: pack, overwrite: false)
        let packed = try load("packed", pack, size: 2, channels: 1)
        #expect(packed.training.labels == [0, 0, 1, 1] && packed.training.classNames == ["ant", "bird"])
        #expect(packed.training.pixels == folder.training.pixels)
        let birds = try load("packed", pack, size: 2, channels: 3, classes: "BIRD")
        #expect(birds.training.labels == [1, 1] && birds.training.classNames == ["ant", "bird"] && birds.training.channels == 3)
    }
}
