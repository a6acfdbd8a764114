import Foundation
import Testing
@testable import DCGANData

@Suite struct MNISTDatasetTests {
    /// Four 3x2 images whose pixels encode their position, and their labels.
    let pixels: [UInt8] = (0..<24).map { UInt8($0 * 10) }
    let labels: [UInt8] = [3, 0, 9, 5]

    @Test(arguments: [true, false])
    func loadsGzipOrPlainFilesExactly(compressed: Bool) throws {
        let directory = try TemporaryDirectory()
        let images = idxBytes(dimensions: [4, 3, 2], values: pixels), labelFile = idxBytes(dimensions: [4], values: labels)
        if compressed {
            try gzipFile(images, at: directory.file("t10k-images-idx3-ubyte.gz"))
            try gzipFile(labelFile, at: directory.file("t10k-labels-idx1-ubyte.gz"))
        } else {
            try directory.write(images, to: "t10k-images-idx3-ubyte")
            try directory.write(labelFile, to: "t10k-labels-idx1-ubyte")
        }
        let dataset = try MNISTDataset.load(root: directory.path, split: .test)
        #expect((dataset.count, dataset.channels, dataset.height, dataset.width) == (4, 1, 3, 2))
        #expect(dataset.pixels == pixels)
        #expect(dataset.labels == [3, 0, 9, 5])
    }

    @Test func prefersTheGzipFile() throws {
        let directory = try TemporaryDirectory()
        try gzipFile(idxBytes(dimensions: [4, 3, 2], values: pixels), at: directory.file("train-images-idx3-ubyte.gz"))
        try directory.write(idxBytes(dimensions: [1, 1, 1], values: [7]), to: "train-images-idx3-ubyte")
        try gzipFile(idxBytes(dimensions: [4], values: labels), at: directory.file("train-labels-idx1-ubyte.gz"))
        #expect(try MNISTDataset.load(root: directory.path, split: .train).count == 4)
    }

    @Test func missingFileNamesTheFileAndThePackage() throws {
        let directory = try TemporaryDirectory()
        let message = dataErrorMessage { _ = try MNISTDataset.load(root: directory.path, split: .train) }
        #expect(message?.hasPrefix(directory.file("train-images-idx3-ubyte.gz") + ": not found") == true)
        #expect(message?.contains("dataset-fashion-mnist") == true)
        #expect(message?.contains("--data-root") == true)
    }

    @Test func imageAndLabelCountsMustAgree() throws {
        let directory = try TemporaryDirectory()
        try directory.write(idxBytes(dimensions: [4, 3, 2], values: pixels), to: "train-images-idx3-ubyte")
        try directory.write(idxBytes(dimensions: [3], values: [1, 2, 3]), to: "train-labels-idx1-ubyte")
        let message = dataErrorMessage { _ = try MNISTDataset.load(root: directory.path, split: .train) }
        #expect(message == "\(directory.file("train-labels-idx1-ubyte")): holds 3 labels but \(directory.file("train-images-idx3-ubyte")) holds 4 images")
    }

    @Test func labelOutsideTheTenClassesIsAnError() throws {
        let directory = try TemporaryDirectory()
        try directory.write(idxBytes(dimensions: [4, 3, 2], values: pixels), to: "train-images-idx3-ubyte")
        try directory.write(idxBytes(dimensions: [4], values: [1, 2, 10, 3]), to: "train-labels-idx1-ubyte")
        let message = dataErrorMessage { _ = try MNISTDataset.load(root: directory.path, split: .train) }
        #expect(message == "\(directory.file("train-labels-idx1-ubyte")): label 10 of item 2 is outside 0...9")
    }

    @Test func imagesMustHaveThreeDimensions() throws {
        let directory = try TemporaryDirectory()
        try directory.write(idxBytes(dimensions: [4, 6], values: pixels), to: "train-images-idx3-ubyte")
        try directory.write(idxBytes(dimensions: [4], values: labels), to: "train-labels-idx1-ubyte")
        let message = dataErrorMessage { _ = try MNISTDataset.load(root: directory.path, split: .train) }
        #expect(message?.contains("expected 3 dimensions") == true)
    }

    /// The real Fashion-MNIST training set, where the Debian package is installed.
    @Test func loadsRealFashionMNISTWhenInstalled() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: MNISTDataset.defaultRoot, isDirectory: &isDirectory),
              isDirectory.boolValue else { return }
        let dataset = try MNISTDataset.load(split: .train)
        #expect((dataset.count, dataset.channels, dataset.height, dataset.width) == (60000, 1, 28, 28))
        let labels = try #require(dataset.labels)
        #expect(Set(labels) == Set(0...9))
        // Fashion-MNIST is balanced: 6000 of each class in the training split.
        #expect(labels.filter { $0 == 0 }.count == 6000)
        #expect(dataset.pixels.contains(255) && dataset.pixels.contains(0))
    }
}
