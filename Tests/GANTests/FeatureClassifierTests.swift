import DCGANData
import Foundation
import DCGANKit
import DCGANTensor
import Testing

@Suite struct FeatureClassifierTests {
    /// Two easily separated classes: dark and bright images.
    private func twoClassDataset(count: Int, seed: UInt64) -> ImageDataset {
        var rng = RandomGenerator(seed: seed)
        var pixels: [UInt8] = [], labels: [Int] = []
        for i in 0..<count {
            labels.append(i % 2)
            for _ in 0..<(8 * 8) { pixels.append(UInt8(i % 2 == 0 ? rng.next() % 60 : 195 + rng.next() % 60)) }
        }
        return ImageDataset(count: count, channels: 1, height: 8, width: 8, pixels: pixels, labels: labels)
    }

    @Test func learnsASeparableProblemAndRoundTripsThroughAFile() throws {
        let train = twoClassDataset(count: 128, seed: 1), test = twoClassDataset(count: 64, seed: 2)
        let classifier = FeatureClassifier(imageSize: 8, channels: 1, classes: 2)
        var losses: [Float] = []
        classifier.train(on: train, test: test, epochs: 3, batchSize: 16, seed: 3) { _, loss in losses.append(loss) }
        #expect(losses.count == 3 && losses.last! < losses.first!)
        #expect(classifier.testAccuracy > 0.95)
        let path = NSTemporaryDirectory() + "classifier-\(UUID().uuidString).dcgan"
        #expect(throws: ConfigError.self) { _ = try classifier.encode() }  // nothing says what it was trained on
        classifier.provenance = FeatureClassifier.Provenance(dataset: "two-class", split: "train", images: train)
        try AtomicFile.write(try classifier.encode(), to: path, overwrite: false)
        let loaded = try FeatureClassifier.load(path: path)
        #expect(loaded.testAccuracy == classifier.testAccuracy)
        #expect(loaded.provenance == classifier.provenance && loaded.width == FeatureClassifier.defaultWidth)
        #expect(loaded.predictions(count: test.count) { test.fillBatch($0, indices: $1) }
                    == classifier.predictions(count: test.count) { test.fillBatch($0, indices: $1) })
        let a = classifier.statistics(count: test.count) { test.fillBatch($0, indices: $1) }
        let b = loaded.statistics(count: test.count) { test.fillBatch($0, indices: $1) }
        #expect(a == b)
        // A checkpoint is not a classifier.
        var damaged = try classifier.encode()
        damaged[3] ^= 1
        try AtomicFile.write(damaged, to: path, overwrite: true)
        #expect(throws: DataError.self) { _ = try FeatureClassifier.load(path: path) }
    }

    @Test func cacheTrainsOnceAndRefusesAClassifierOfOtherData() throws {
        let train = twoClassDataset(count: 64, seed: 4), test = twoClassDataset(count: 32, seed: 5)
        let provenance = FeatureClassifier.Provenance(dataset: "two-class", split: "train", images: train)
        #expect(provenance.fileName == "two-class-train-8x8x1-\(train.fingerprint).dcgan")
        let path = Tiny.folder("classifier-cache") + "/" + provenance.fileName
        var lines: [String] = []
        let trained = try ClassifierCache.loadOrTrain(path: path, provenance: provenance, train: train, test: test, epochs: 1) { lines.append($0) }
        #expect(lines.count == 3 && lines[0].contains("two-class train 8x8x1"))
        lines = []
        let cached = try ClassifierCache.loadOrTrain(path: path, provenance: provenance, train: train, test: test, epochs: 1) { lines.append($0) }
        #expect(lines.isEmpty && cached.testAccuracy == trained.testAccuracy)
        // Same name, shape and split, other images (MNIST where Fashion-MNIST was trained): refused.
        let other = FeatureClassifier.Provenance(dataset: "two-class", split: "train", images: twoClassDataset(count: 64, seed: 6))
        #expect(other.fingerprint != provenance.fingerprint)
        do {
            _ = try ClassifierCache.loadOrTrain(path: path, provenance: other, train: train, test: test) { _ in }
            Issue.record("a classifier of other data was accepted")
        } catch {
            let message = String(describing: error)
            #expect(!message.contains("\n") && message.contains(path))
            #expect(message.contains(provenance.description) && message.contains(other.description))
        }
    }
}
