import ArgumentParser
import DCGANData
import Foundation
import DCGANKit
import DCGANTensor

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score generated images against real ones: Fréchet distance, KID, precision and recall, and the class histogram of the samples.",
        discussion: """
            All statistics use the features of a classifier that this tool trains on the dataset's labelled training \
            split the first time (about two CPU-minutes for 60,000 28x28 images: a minute on two idle cores) and keeps under \
            \(ClassifierCache.defaultFolder), in a file named after the dataset, split, image size, channels and a \
            fingerprint of the data; a classifier trained on other data is refused. The reference images are the \
            dataset's test split where it has one (mnist, fashion-mnist, cifar10), else its training images. Samples \
            come from a checkpoint (scored against the dataset it was trained on unless --dataset says otherwise) or \
            from a uint8 .npy file (N x H x W or N x H x W x C), so that images made by other tools are scored the same way.
            """)

    @Option(help: "Checkpoint whose generator makes the samples (or a run folder: its latest checkpoint).")
    var checkpoint: String?
    @Option(help: "uint8 .npy file of samples to score instead of a checkpoint.")
    var npy: String?
    @Option(parsing: .unconditional, help: "Number of samples generated from the checkpoint.", transform: OptionRange.integer((PrecisionRecall.defaultK + 1)...OptionRange.maxImages))
    var count = 10_000
    @Option(parsing: .unconditional, help: "Seed for the latent vectors and the KID subsets.", transform: OptionRange.seed)
    var seed: UInt64 = 1
    @Flag(help: "Generate with each batch's BatchNorm statistics instead of the running averages.")
    var batchStats = false
    @Option(help: "Labelled dataset of the real images: \(DatasetCatalog.names.joined(separator: ", ")). Default: the checkpoint's, else fashion-mnist.")
    var dataset: String?
    @Option(help: "Folder (or file) holding the dataset. Default: the checkpoint's, else \(MNISTDataset.defaultRoot).")
    var dataRoot: String?
    @Option(help: "Classifier file: loaded if present (and trained on this data), else trained and saved here. Default: one per dataset under \(ClassifierCache.defaultFolder).")
    var classifier: String?
    @Option(parsing: .unconditional, help: "Training epochs when the classifier has to be trained.", transform: OptionRange.integer(1...1000))
    var classifierEpochs = ClassifierCache.defaultEpochs
    @Option(parsing: .unconditional, help: "Feature vectors per KID subset (fewer when a set is smaller).", transform: OptionRange.integer(2...OptionRange.maxImages))
    var kidSubsetSize = KernelDistance.defaultSubsetSize
    @Option(parsing: .unconditional, help: "Number of KID subsets whose estimates are averaged.", transform: OptionRange.integer(1...100_000))
    var kidSubsets = KernelDistance.defaultSubsets
    @Flag(help: "Also the paper's 1-nearest-neighbour test (supplement 8.1): a 1-NN classifier in pixel space fitted on the labelled samples (a conditional checkpoint's), its error on the real test set, beside the same fitted on as many real training images.")
    var nn = false
    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var generatorChoice: GeneratorChoice

    func run() throws {
        try threadOptions.apply()
        guard (checkpoint == nil) != (npy == nil) else { throw ConfigError("give exactly one of --checkpoint and --npy") }
        let source = try SampleSource(checkpoint: checkpoint, npy: npy, generatorChoice: generatorChoice)
        let name = dataset ?? source.training?.dataset ?? "fashion-mnist"
        let root = dataRoot ?? (dataset == nil ? source.training?.dataRoot : nil) ?? MNISTDataset.defaultRoot
        let data = try ScoringData.load(dataset: name, root: root, imageSize: source.imageSize, channels: source.channels,
                                        options: (dataset == nil ? try source.training?.datasetOptions() : nil) ?? DatasetOptions())
        let path = classifier ?? ClassifierCache.defaultPath(for: data.provenance)
        let model = try ClassifierCache.loadOrTrain(path: path, provenance: data.provenance, train: data.classifierTraining,
                                                    test: data.classifierTest, epochs: classifierEpochs) { print($0) }
        let samples = try source.samples(count: count, seed: seed, batchStatistics: batchStats)
        let scorer = SampleScorer(classifier: model, reference: data.reference, referenceDescription: data.referenceDescription,
                                  kidSubsetSize: kidSubsetSize, kidSubsets: kidSubsets)
        let scores = scorer.score(samples, seed: seed)
        print(String(format: "reference: %@; classifier %@ (test accuracy %.2f%%)", data.referenceDescription, path, model.testAccuracy * 100))
        print(String(format: "Fréchet distance %.3f over %d samples", scores.frechetDistance, samples.count))
        print(String(format: "KID %.5f ± %.5f (%d subsets of %d)", scores.kernelDistance.mean, scores.kernelDistance.standardDeviation,
                     scores.kernelDistance.subsets, scores.kernelDistance.subsetSize))
        print(String(format: "precision %.4f  recall %.4f (k = %d nearest neighbours)", scores.precisionRecall.precision,
                     scores.precisionRecall.recall, PrecisionRecall.defaultK))
        let classNames = data.reference.classNames
        let histogram = scores.histogram.counts.enumerated().map { "\(classNames?[safe: $0.offset] ?? String($0.offset)) \($0.element)" }
        print("predicted classes: " + histogram.joined(separator: ", "))
        print(String(format: "class entropy %.4f of at most %.4f (log %d)", scores.histogram.entropy, scores.histogram.maximumEntropy,
                     scores.histogram.counts.count))
        var json: [String: Any] = Dictionary(uniqueKeysWithValues: scores.scalars.map { ($0.name, $0.value as Any) })
        json.merge(["samples": samples.count, "classifier_accuracy": model.testAccuracy, "classifier": path, "source": checkpoint ?? npy ?? "",
                    "reference_dataset": name, "reference_split": data.referenceSplit, "reference_count": data.reference.count,
                    "class_counts": scores.histogram.counts, "class_entropy_max": scores.histogram.maximumEntropy,
                    "kid_subsets": scores.kernelDistance.subsets, "kid_subset_size": scores.kernelDistance.subsetSize]) { $1 }
        if samples.labels != nil {
            // Samples asked for class k that the independent classifier also calls k.
            let agreement = model.accuracy(on: samples)
            print(String(format: "samples classified as the class they were made for: %.2f%%", agreement * 100))
            json["class_agreement"] = agreement
        }
        if nn {
            guard samples.labels != nil else { throw ConfigError("--nn needs labelled samples: a conditional checkpoint") }
            let train = data.classifierTraining
            let realReferences = train.subset(Array(0..<min(samples.count, train.count)))
            let generatedError = NearestNeighbour.errorRate(references: samples, test: data.classifierTest)
            let realError = NearestNeighbour.errorRate(references: realReferences, test: data.classifierTest)
            print(String(format: "1-NN test error: %.2f%% fitted on %d samples, %.2f%% fitted on %d real training images",
                         generatedError * 100, samples.count, realError * 100, realReferences.count))
            json["nn_error_samples"] = generatedError
            json["nn_error_real"] = realError
        }
        print("JSON " + String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self))
    }
}

/// Where `dcgan evaluate` gets its samples: a checkpoint's generator or a uint8 .npy file.
private struct SampleSource {
    let imageSize: Int, channels: Int
    /// The checkpoint's training settings (its dataset is the natural reference).
    let training: TrainingConfig?
    private let generator: (trainer: GANTrainer, model: ModelConfig, path: String)?
    private let npy: (path: String, count: Int, pixels: [UInt8])?

    init(checkpoint: String?, npy: String?, generatorChoice: GeneratorChoice) throws {
        if let npy {
            let (shape, values) = try NPYReader.readUInt8(path: npy)
            guard (3...4).contains(shape.count), shape[1] == shape[2], shape[0] > PrecisionRecall.defaultK,
                  shape.count == 3 || [1, 3].contains(shape[3]) else {
                throw DataError(path: npy, "holds an array of shape \(shape); scoring needs N x S x S or N x S x S x C uint8 images (C 1 or 3, N at least \(PrecisionRecall.defaultK + 1))")
            }
            (imageSize, channels, training, generator) = (shape[1], shape.count == 3 ? 1 : shape[3], nil, nil)
            self.npy = (npy, shape[0], values)
        } else {
            let path = try CheckpointArgument.resolve(checkpoint!)
            let (trainer, header) = try generatorChoice.load(path)
            let shape = header.model.sampleShape
            (imageSize, channels, training, generator, self.npy) = (shape[2], shape[0], header.training, (trainer, header.model, path), nil)
        }
    }

    /// The samples as a uint8 dataset (labelled for a conditional checkpoint).
    func samples(count: Int, seed: UInt64, batchStatistics: Bool) throws -> ImageDataset {
        if let npy {
            return ImageDataset(count: npy.count, channels: channels, height: imageSize, width: imageSize,
                                pixels: channels == 1 ? npy.pixels : SampleExport.nchw(fromNHWC: npy.pixels, channels: channels, size: imageSize))
        }
        let (trainer, model, _) = generator!
        guard let training else { preconditionFailure("a checkpoint's samples come with its training settings") }
        try MemoryEstimate.generation(model: model, batchSize: min(count, SampleExport.batchSize), count: count,
                                      optimizer: training.optimizer).require(for: "generating \(count) images")
        // A conditional model makes every class in turn, as many of each.
        let labels = model.isConditional ? (0..<count).map { $0 % model.classes } : nil
        return SampleExport.dataset(SampleExport.generate(trainer, count: count, seed: seed, labels: labels, batchStatistics: batchStatistics),
                                    labels: labels)
    }
}

private extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
