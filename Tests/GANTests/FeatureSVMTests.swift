import DCGANData
import DCGANKit
import DCGANLayers
import DCGANTensor
import Foundation
import Testing

/// The paper's section 5: discriminator features (4x4 adaptive max pooling of every block) and
/// the linear L2-SVM that scores them.
@Suite struct DiscriminatorFeatureTests {
    @Test func poolingBinsMatchPyTorch() {
        #expect(AdaptiveMaxPool.bins(size: 7, grid: 4) == [0..<2, 1..<4, 3..<6, 5..<7])
        #expect(AdaptiveMaxPool.bins(size: 14, grid: 4) == [0..<4, 3..<7, 7..<11, 10..<14])
        #expect(AdaptiveMaxPool.bins(size: 4, grid: 4) == [0..<1, 1..<2, 2..<3, 3..<4])
        // Smaller than the grid: bins repeat rows.
        #expect(AdaptiveMaxPool.bins(size: 3, grid: 4) == [0..<1, 0..<2, 1..<3, 2..<3])
    }

    @Test func poolingThreeByThreeRepeats() {
        let map: [Float] = (0..<9).map(Float.init)  // value 3 * row + column
        var pooled = [Float](repeating: 0, count: 16)
        pooled.withUnsafeMutableBufferPointer { AdaptiveMaxPool.pool(map, channels: 1, height: 3, width: 3, grid: 4, into: $0.baseAddress!) }
        let lastOfBin = [0, 1, 2, 2]
        let expected = (0..<16).map { Float(3 * lastOfBin[$0 / 4] + lastOfBin[$0 % 4]) }
        #expect(pooled == expected)
    }

    /// The straightforward definition: for each output cell, the maximum over
    /// floor(i * H / 4) ..< ceil((i + 1) * H / 4) computed in floating point.
    static func naivePool(_ map: [Float], channels: Int, height: Int, width: Int) -> [Float] {
        var out: [Float] = []
        for channel in 0..<channels {
            for i in 0..<4 {
                for j in 0..<4 {
                    let rows = Int((Double(i * height) / 4).rounded(.down))..<Int((Double((i + 1) * height) / 4).rounded(.up))
                    let columns = Int((Double(j * width) / 4).rounded(.down))..<Int((Double((j + 1) * width) / 4).rounded(.up))
                    var best = -Float.infinity
                    for r in rows { for c in columns { best = max(best, map[channel * height * width + r * width + c]) } }
                    out.append(best)
                }
            }
        }
        return out
    }

    @Test(arguments: [(7, 7), (14, 14), (4, 4), (3, 3), (5, 9)])
    func poolingMatchesNaiveReference(height: Int, width: Int) {
        var rng = RandomGenerator(seed: UInt64(height * 31 + width))
        let channels = 3
        let map = (0..<channels * height * width).map { _ in rng.normal() }
        var pooled = [Float](repeating: 0, count: channels * 16)
        pooled.withUnsafeMutableBufferPointer {
            AdaptiveMaxPool.pool(map, channels: channels, height: height, width: width, grid: 4, into: $0.baseAddress!)
        }
        #expect(pooled == Self.naivePool(map, channels: channels, height: height, width: width))
    }

    @Test func featureLengths() throws {
        let small = ModelConfig(imageSize: 28, channels: 1, ndf: 64)
        let smallFeatures = try DiscriminatorFeatures(discriminator: DCGAN.discriminator(small), imageShape: small.sampleShape)
        #expect(smallFeatures.blockChannels == [64, 128])
        #expect(smallFeatures.featureLength == 3072)
        let large = ModelConfig(imageSize: 64, channels: 3, ndf: 64)
        let largeFeatures = try DiscriminatorFeatures(discriminator: DCGAN.discriminator(large), imageShape: large.sampleShape)
        #expect(largeFeatures.featureLength == 15360)
    }

    @Test func conditionalDiscriminatorIsRefused() {
        let model = ModelConfig(imageSize: 28, channels: 1, nz: 8, ngf: 4, ndf: 4, classes: 10)
        let discriminator = DCGAN.discriminator(model, condition: ClassCondition(classes: 10))
        #expect(throws: ConfigError.self) { try DiscriminatorFeatures(discriminator: discriminator, imageShape: model.sampleShape) }
    }

    /// Inference-mode BatchNorm: an image's features do not depend on the rest of its batch
    /// (in training mode a batch of one would normalise every activation to zero).
    @Test func featuresDoNotDependOnTheBatch() throws {
        let discriminator = DCGAN.discriminator(Tiny.model)
        var rng = RandomGenerator(seed: 3)
        Initializer.dcgan(discriminator.parameters, rng: &rng)
        discriminator.setTraining(true)
        let extractor = try DiscriminatorFeatures(discriminator: discriminator, imageShape: Tiny.model.sampleShape)
        let batched = extractor.extract(Tiny.dataset.subset(Array(0..<6)), batchSize: 6)
        let alone = extractor.extract(Tiny.dataset.subset([4]), batchSize: 1)
        let length = extractor.featureLength
        #expect(length == 16 * (4 + 8))
        #expect(Array(batched[4 * length..<5 * length]) == alone)
        #expect(alone.contains { $0 != 0 })
    }

    @Test func pixelsAreScaled() {
        let images = ImageDataset(count: 1, channels: 1, height: 1, width: 3, pixels: [0, 255, 51], labels: [0])
        let pixels = DiscriminatorFeatures.pixels(of: images)
        #expect(pixels[0] == -1 && pixels[1] == 1 && abs(pixels[2] - (51 / 127.5 - 1)) < 1e-6)
    }
}

@Suite struct LinearSVMTests {
    @Test func standardisation() {
        var features = FeatureMatrix(rows: 2, columns: 2, values: [1, 5, 3, 5])
        let standardizer = FeatureStandardizer(fittedTo: features)
        #expect(standardizer.mean == [2, 5])
        #expect(standardizer.deviation == [1, 1])  // population deviation of {1, 3}; a constant column gets 1
        standardizer.apply(to: &features)
        #expect(features.values == [-1, 0, 1, 0])
        var other = FeatureMatrix(rows: 1, columns: 2, values: [4, 7])
        standardizer.apply(to: &other)  // test data uses the training statistics
        #expect(other.values == [2, 2])
    }

    /// Two long, tilted, parallel clouds (y = x + 0.5 and y = x - 0.5): separable along
    /// y - x, but the difference of their means points along y, which is what a heavily
    /// regularised SVM follows. So small C fails and large C separates them perfectly.
    static func tiltedClouds(count: Int, seed: UInt64) -> (FeatureMatrix, [Int]) {
        var rng = RandomGenerator(seed: seed)
        var values: [Float] = [], labels: [Int] = []
        for index in 0..<count {
            let label = index % 2
            let t = rng.uniform(-3, 3)
            values += [t, t + (label == 0 ? 0.5 : -0.5) + rng.uniform(-0.1, 0.1)]
            labels.append(label)
        }
        return (FeatureMatrix(rows: count, columns: 2, values: values), labels)
    }

    @Test func separableDataIsSeparatedAndCIsChosen() throws {
        var (train, trainLabels) = Self.tiltedClouds(count: 400, seed: 1)
        var (test, testLabels) = Self.tiltedClouds(count: 200, seed: 2)
        let standardizer = FeatureStandardizer(fittedTo: train)
        standardizer.apply(to: &train)
        standardizer.apply(to: &test)
        let grid = [1e-4, 1e-2, 1, 100, 1e4]
        let outcome = try LinearProbe.evaluate(train: train, trainLabels: trainLabels, labelled: Array(0..<400),
                                               test: test, testLabels: testLabels, grid: grid, seed: 7)
        #expect(outcome.testAccuracy == 1)
        #expect(outcome.bestC > grid[0])
        #expect(outcome.validation[0].accuracy < 0.9)
        #expect(outcome.validation.map(\.accuracy).max() == 1)
    }

    @Test func threeBlobsAreClassified() throws {
        var rng = RandomGenerator(seed: 4)
        let centres: [[Float]] = [[4, 0, 0], [0, 4, 0], [0, 0, 4]]
        var values: [Float] = [], labels: [Int] = []
        for index in 0..<150 {
            labels.append(index % 3)
            values += centres[index % 3].map { $0 + rng.normal() * 0.5 }
        }
        let data = FeatureMatrix(rows: 150, columns: 3, values: values)
        let svm = try LinearSVM(features: data, labels: labels, rows: Array(0..<100), c: 1)
        #expect(svm.accuracy(data, labels: labels, rows: Array(100..<150)) == 1)
        #expect(svm.predict(data, rows: [0, 1, 2]) == [0, 1, 2])
    }

    @Test func labelledDrawsAreBalanced() throws {
        let labels = (0..<60).map { $0 % 3 }
        let drawn = try LinearProbe.drawLabelled(labels: labels, count: 9, seed: 5)
        #expect(Set(drawn).count == 9)
        #expect((0..<3).allSatisfy { label in drawn.filter { labels[$0] == label }.count == 3 })
        #expect(try LinearProbe.drawLabelled(labels: labels, count: 9, seed: 5) == drawn)
        #expect(try LinearProbe.drawLabelled(labels: labels, count: 9, seed: 6) != drawn)
        #expect(throws: ConfigError.self) { try LinearProbe.drawLabelled(labels: labels, count: 61, seed: 5) }
    }
}

/// Bad input to `dcgan features` and `dcgan classify` through the built tool.
@Suite(.serialized) struct FeatureSVMCommandTests {
    static func writeFeatures(_ folder: String, split: String, rows: Int, columns: Int, labels: Bool) throws {
        let values = (0..<rows * columns).map { Float($0 % 7) }
        try Data(NPYWriter.encode(float32: values, shape: [rows, columns])).write(to: URL(fileURLWithPath: "\(folder)/features-\(split).npy"))
        if labels {
            try Data(NPYWriter.encode(int64: (0..<rows).map { Int64($0 % 2) }, shape: [rows]))
                .write(to: URL(fileURLWithPath: "\(folder)/labels-\(split).npy"))
        }
    }

    @Test func classifyRefusesBadInput() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        let folder = Tiny.folder("classify")
        try Self.writeFeatures(folder, split: "train", rows: 20, columns: 5, labels: true)
        try Self.writeFeatures(folder, split: "test", rows: 10, columns: 4, labels: true)
        try Self.writeFeatures(folder, split: "unlabelled", rows: 10, columns: 5, labels: false)
        try Self.writeFeatures(folder, split: "good", rows: 10, columns: 5, labels: true)
        let train = folder + "/features-train.npy"
        try CommandLineTests.expectFailure(["classify", "--train", train, "--test", folder + "/features-unlabelled.npy"], mentions: "no labels")
        try CommandLineTests.expectFailure(["classify", "--train", train, "--test", folder + "/features-test.npy"], mentions: "features per example")
        try CommandLineTests.expectFailure(["classify", "--train", train, "--test", folder + "/features-good.npy", "--labels", "21"],
                                           mentions: "more than the 20")
        try CommandLineTests.expectFailure(["classify", "--train", train, "--test", folder + "/features-good.npy", "--c-grid", "1,-2"],
                                           mentions: "--c-grid")
        let good = try CommandLineTests.run(["classify", "--train", train, "--test", folder + "/features-good.npy", "--labels", "10", "--draws", "2"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("over 2 draw(s) of 10 labelled examples"))
    }

    @Test func featuresRefusesBadInputAndWritesArrays() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        let folder = Tiny.folder("features")
        let run = folder + "/run"
        try CommandLineTests.trainTiny(into: run)
        let conditional = folder + "/conditional"
        try CommandLineTests.trainTiny(into: conditional, ["--conditional"])
        let out = folder + "/features"
        try CommandLineTests.expectFailure(["features", "--checkpoint", conditional, "--dataset", "fake", "--out", out],
                                           mentions: "unconditional", mustNotExist: out)
        try CommandLineTests.expectFailure(["features", "--checkpoint", run, "--dataset", "fake", "--split", "valid", "--out", out],
                                           mentions: "--split", mustNotExist: out)
        try CommandLineTests.expectFailure(["features", "--checkpoint", run, "--dataset", "fake", "--random-init", "--pixels", "--out", out],
                                           mentions: "at most one", mustNotExist: out)
        let written = try CommandLineTests.run(["features", "--checkpoint", run, "--dataset", "fake", "--out", out, "--batch-size", "100"])
        #expect(written.status == 0, "\(written.stderr)")
        let (shape, _) = try NPYReader.readFloat32(path: out + "/features-train.npy")
        #expect(shape == [1024, 16 * (4 + 8)])
        #expect(try NPYReader.readIntegers(path: out + "/labels-train.npy").count == 1024)
        try CommandLineTests.expectFailure(["features", "--checkpoint", run, "--dataset", "fake", "--out", out], mentions: "exists")
    }
}
