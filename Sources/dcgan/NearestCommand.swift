import ArgumentParser
import DCGANData
import DCGANKit
import DCGANTensor
import Foundation

struct NearestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nearest",
        abstract: "Show samples beside their nearest training images (the paper's section 4: the model does not memorise).",
        discussion: """
            nearest-pixels.png and nearest-features.png show a row per sample: the sample, then its --k nearest \
            Fashion-MNIST training images by Euclidean distance on the pixels (scaled to [-1, 1]) and on the \
            scoring classifier's 128 features. The tool also prints the mean distance to the nearest training \
            image of --compare samples and of as many held-out test images: real images the model never saw. \
            Samples about as far from the training set as the test images are not copies of it.
            """)

    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var generatorChoice: GeneratorChoice
    @Option(parsing: .unconditional, help: "Samples shown.", transform: OptionRange.integer(1...256))
    var count = 8
    @Option(parsing: .unconditional, help: "Nearest training images shown beside each sample.", transform: OptionRange.integer(1...64))
    var k = 5
    @Option(parsing: .unconditional, help: "Samples and held-out test images whose mean nearest distance is printed.", transform: OptionRange.integer(1...100_000))
    var compare = 1000
    @Option(parsing: .unconditional, help: "Seed for the latent vectors and for the choice of test images.", transform: OptionRange.seed)
    var seed: UInt64 = 1
    @Option(help: "The scoring classifier file (`dcgan evaluate` makes it). Default: the one `dcgan evaluate` keeps for these training images under \(ClassifierCache.defaultFolder).")
    var classifier: String?
    @Option(help: "Folder holding Fashion-MNIST (MNIST-format IDX files).")
    var dataRoot = MNISTDataset.defaultRoot
    @Flag(help: "Normalise with each batch's statistics instead of the running averages.")
    var batchStats = false

    func run() throws {
        for name in ["nearest-pixels.png", "nearest-features.png"] { _ = try experiment.path(name) }
        let (trainer, header) = try experiment.load(rawGenerator: generatorChoice.rawGenerator)
        let model = header.model
        let train = try MNISTDataset.load(root: dataRoot, split: .train)
        let test = try MNISTDataset.load(root: dataRoot, split: .test)
        guard train.height == model.imageSize, train.width == model.imageSize, train.channels == model.channels else {
            throw DataError(path: dataRoot, "holds \(train.width)x\(train.height) images of \(train.channels) channel(s); the model makes \(model.imageSize)x\(model.imageSize) of \(model.channels)")
        }
        // The classifier `dcgan evaluate` trained on these very images (MNIST and Fashion-MNIST share a format).
        let datasetName = ["mnist", "fashion-mnist"].contains(header.training.dataset) ? header.training.dataset : "fashion-mnist"
        let provenance = FeatureClassifier.Provenance(dataset: datasetName, split: DataSplit.train.rawValue, images: train)
        let classifierPath = classifier ?? ClassifierCache.defaultPath(for: provenance)
        guard FileManager.default.fileExists(atPath: classifierPath) else {
            throw ConfigError("no classifier at \(classifierPath): `dcgan evaluate` makes it (or name one with --classifier)")
        }
        let scorer = try ClassifierCache.load(path: classifierPath, expecting: provenance)
        guard k <= train.count else { throw ConfigError("--k \(k) exceeds the \(train.count) training images") }

        // The first `count` samples are the ones shown; all of them enter the mean distance.
        let sampleCount = max(count, compare)
        let labels = model.isConditional ? (0..<sampleCount).map { $0 % model.classes } : nil
        let samples = SampleExport.generate(trainer, count: sampleCount, seed: seed, labels: labels, batchStatistics: batchStats)
        var rng = RandomGenerator(seed: seed)
        let heldOut = Array(rng.permutation(test.count).prefix(min(compare, test.count)))
        let d = train.imageSize

        let trainPixels = Tensor(zeros: [train.count, train.channels, train.height, train.width])
        train.fillBatch(trainPixels, indices: 0..<train.count)
        let testPixels = Tensor(zeros: [heldOut.count, test.channels, test.height, test.width])
        test.fillBatch(testPixels, indices: heldOut)
        let pixelNeighbours = NearestImages.search(queries: samples.array, references: trainPixels.array, dimension: d, k: k)
        let testPixelDistance = NearestImages.meanNearestDistance(queries: testPixels.array, references: trainPixels.array, dimension: d)

        let trainFeatures = scorer.featureVectors(count: train.count) { train.fillBatch($0, indices: $1) }
        let sampleFeatures = scorer.featureVectors(count: sampleCount) { batch, range in
            batch.pointer.update(from: samples.pointer + range.lowerBound * d, count: range.count * d)
        }
        let testFeatures = scorer.featureVectors(count: heldOut.count) { test.fillBatch($0, indices: heldOut[$1]) }
        let dimension = FeatureClassifier.featureDimension
        let featureNeighbours = NearestImages.search(queries: sampleFeatures, references: trainFeatures, dimension: dimension, k: k)
        let testFeatureDistance = NearestImages.meanNearestDistance(queries: testFeatures, references: trainFeatures, dimension: dimension)

        for (name, neighbours) in [("pixels", pixelNeighbours), ("features", featureNeighbours)] {
            let sheet = Self.sheet(samples: samples, shown: count, neighbours: neighbours, training: trainPixels)
            try experiment.write(try PNGCodec.encode(ImageGrid.make(images: sheet, columns: k + 1)), to: "nearest-\(name).png",
                                 what: "\(count) samples beside their \(k) nearest training images in \(name)")
        }
        func mean(_ neighbours: [[NearestImages.Neighbour]]) -> Double {
            neighbours.reduce(0.0) { $0 + Double($1[0].distance) } / Double(neighbours.count)
        }
        print("mean distance to the nearest of \(train.count) training images:")
        print(String(format: "  pixels (in [-1, 1]):  %d samples %.3f   %d held-out test images %.3f",
                     sampleCount, mean(pixelNeighbours), heldOut.count, testPixelDistance))
        print(String(format: "  classifier features:  %d samples %.3f   %d held-out test images %.3f",
                     sampleCount, mean(featureNeighbours), heldOut.count, testFeatureDistance))
    }

    /// A row per shown sample: the sample, then its neighbours' training images.
    static func sheet(samples: Tensor, shown: Int, neighbours: [[NearestImages.Neighbour]], training: Tensor) -> Tensor {
        let perImage = samples.count / samples.shape[0], k = neighbours[0].count
        let sheet = Tensor(zeros: [shown * (k + 1)] + samples.shape.dropFirst())
        for row in 0..<shown {
            (sheet.pointer + row * (k + 1) * perImage).update(from: samples.pointer + row * perImage, count: perImage)
            for (column, neighbour) in neighbours[row].enumerated() {
                (sheet.pointer + (row * (k + 1) + column + 1) * perImage).update(from: training.pointer + neighbour.index * perImage, count: perImage)
            }
        }
        return sheet
    }
}
