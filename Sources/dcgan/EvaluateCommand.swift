import ArgumentParser
import DCGANData
import Foundation
import DCGANKit
import DCGANTensor

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score generated images: the Fréchet distance between classifier features of samples and of real test images (lower is better).",
        discussion: """
            The classifier is trained on the dataset's labelled training split by this tool the first time \
            (about a minute) and saved to --classifier; the reference statistics come from the test split. \
            Samples come from a checkpoint or from a uint8 .npy file (N x H x W or N x H x W x C), so that \
            images made by other tools can be scored the same way.
            """)

    @Option(help: "Checkpoint whose generator makes the samples (or a run folder: its latest checkpoint).")
    var checkpoint: String?
    @Option(help: "uint8 .npy file of samples to score instead of a checkpoint.")
    var npy: String?
    @Option(parsing: .unconditional, help: "Number of samples generated from the checkpoint.", transform: OptionRange.integer(2...OptionRange.maxImages))
    var count = 10_000
    @Option(parsing: .unconditional, help: "Seed for the latent vectors.", transform: OptionRange.seed)
    var seed: UInt64 = 1
    @Flag(help: "Generate with each batch's BatchNorm statistics instead of the running averages.")
    var batchStats = false
    @Option(help: "Folder holding the labelled dataset (MNIST-format IDX files).")
    var dataRoot = MNISTDataset.defaultRoot
    @Option(help: "Classifier file: loaded if present, else trained and saved here.")
    var classifier = "runs/fashion-mnist-classifier.dcgan"
    @Option(parsing: .unconditional, help: "Training epochs when the classifier has to be trained.", transform: OptionRange.integer(1...1000))
    var classifierEpochs = 3
    @Flag(help: "Also the paper's 1-nearest-neighbour test (supplement 8.1): a 1-NN classifier in pixel space fitted on the labelled samples (a conditional checkpoint's), its error on the real test set, beside the same fitted on as many real training images.")
    var nn = false
    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        try threadOptions.apply()
        guard (checkpoint == nil) != (npy == nil) else { throw ConfigError("give exactly one of --checkpoint and --npy") }
        let test = try MNISTDataset.load(root: dataRoot, split: .test)
        let scorer = try loadOrTrainClassifier(test: test)
        let samples = try loadSamples(size: scorer.imageSize, channels: scorer.channels)
        let real = scorer.statistics(count: test.count) { test.fillBatch($0, indices: $1) }
        let fake = scorer.statistics(count: samples.count) { samples.fillBatch($0, indices: $1) }
        let distance = real.frechetDistance(to: fake)
        print(String(format: "Fréchet distance %.3f over %d samples (classifier test accuracy %.2f%%)",
                     distance, samples.count, scorer.testAccuracy * 100))
        var json: [String: Any] = ["frechet_distance": distance, "samples": samples.count, "classifier_accuracy": scorer.testAccuracy,
                                   "source": checkpoint ?? npy ?? ""]
        if samples.labels != nil {
            // Samples asked for class k that the independent classifier also calls k.
            let agreement = scorer.accuracy(on: samples)
            print(String(format: "samples classified as the class they were made for: %.2f%%", agreement * 100))
            json["class_agreement"] = agreement
        }
        if nn {
            guard samples.labels != nil else { throw ConfigError("--nn needs labelled samples: a conditional checkpoint") }
            let train = try MNISTDataset.load(root: dataRoot, split: .train)
            let realReferences = train.subset(Array(0..<min(samples.count, train.count)))
            let generatedError = NearestNeighbour.errorRate(references: samples, test: test)
            let realError = NearestNeighbour.errorRate(references: realReferences, test: test)
            print(String(format: "1-NN test error: %.2f%% fitted on %d samples, %.2f%% fitted on %d real training images",
                         generatedError * 100, samples.count, realError * 100, realReferences.count))
            json["nn_error_samples"] = generatedError
            json["nn_error_real"] = realError
        }
        print("JSON " + String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self))
    }

    private func loadOrTrainClassifier(test: ImageDataset) throws -> FeatureClassifier {
        if FileManager.default.fileExists(atPath: classifier) { return try FeatureClassifier.load(path: classifier) }
        let train = try MNISTDataset.load(root: dataRoot, split: .train)
        let model = FeatureClassifier(imageSize: train.height, channels: train.channels, classes: MNISTDataset.classCount)
        print("training the scoring classifier on \(train.count) images (once; saved to \(classifier))")
        model.train(on: train, test: test, epochs: classifierEpochs, seed: 2015) { epoch, loss in
            print(String(format: "  epoch %d  loss %.4f", epoch, loss))
        }
        print(String(format: "  test accuracy %.2f%%", model.testAccuracy * 100))
        let folder = (classifier as NSString).deletingLastPathComponent
        if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        try AtomicFile.write(try model.encode(), to: classifier, overwrite: false)
        return model
    }

    /// The samples as a uint8 dataset of the classifier's shape.
    private func loadSamples(size: Int, channels: Int) throws -> ImageDataset {
        if let npy {
            let (shape, values) = try NPYReader.readUInt8(path: npy)
            let fits = shape.count >= 3 && shape[1] == size && shape[2] == size && (shape.count == 3 ? 1 : shape[3]) == channels
            guard fits, shape.count <= 4, shape[0] >= 2 else {
                throw DataError(path: npy, "holds an array of shape \(shape); the classifier scores N x \(size) x \(size)\(channels == 1 ? "" : " x \(channels)") images")
            }
            return ImageDataset(count: shape[0], channels: channels, height: size, width: size,
                                pixels: channels == 1 ? values : SampleExport.nchw(fromNHWC: values, channels: channels, size: size))
        }
        let (trainer, header) = try Checkpoint.load(path: try CheckpointArgument.resolve(checkpoint!))
        let model = header.model
        guard model.sampleShape == [channels, size, size] else {
            throw DataError(path: checkpoint!, "makes \(model.summary) images; the classifier scores \(size)x\(size)x\(channels)")
        }
        try MemoryEstimate.generation(model: model, batchSize: min(count, SampleExport.batchSize), count: count,
                                      optimizer: header.training.optimizer).require(for: "generating \(count) images")
        // A conditional model makes every class in turn, as many of each.
        let labels = model.isConditional ? (0..<count).map { $0 % model.classes } : nil
        let images = SampleExport.generate(trainer, count: count, seed: seed, labels: labels, batchStatistics: batchStats)
        let bytes = SampleExport.bytesNHWC(images)
        return ImageDataset(count: count, channels: channels, height: size, width: size,
                            pixels: channels == 1 ? bytes : SampleExport.nchw(fromNHWC: bytes, channels: channels, size: size), labels: labels)
    }
}
