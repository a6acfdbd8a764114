import ArgumentParser
import DCGANData
import DCGANKit
import DCGANLayers
import DCGANTensor
import Foundation

struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Write the discriminator's features of a labelled dataset (paper section 5), for `dcgan classify`.",
        discussion: """
            Every LeakyReLU block of D is max-pooled to a 4x4 grid and the results are concatenated \
            (BatchNorm in inference mode). Writes features-<split>.npy (float32, N x F) and \
            labels-<split>.npy (int64, N) into --out. --random-init uses a freshly initialised D of the \
            same architecture instead (a control); --pixels writes the raw pixels in [-1, 1] (the other control).
            """)

    @OptionGroup var experiment: ExperimentOptions
    @Option(help: "Labelled dataset: \(DatasetCatalog.names.joined(separator: ", ")).")
    var dataset = "fashion-mnist"
    @Option(help: "Folder (or file) holding the dataset.")
    var dataRoot = MNISTDataset.defaultRoot
    @Option(help: "Which part of the dataset: train or test.")
    var split = "train"
    @Flag(help: "Use a freshly initialised D (the paper's N(0, 0.02) weights) of the checkpoint's architecture.")
    var randomInit = false
    @Option(parsing: .unconditional, help: "Seed of the --random-init weights.", transform: OptionRange.seed)
    var seed: UInt64 = 1
    @Flag(help: "Write the raw pixels (scaled to [-1, 1]) instead of D's features.")
    var pixels = false
    @Option(parsing: .unconditional, help: "Images pushed through D at a time.", transform: OptionRange.integer(1...4096))
    var batchSize = DiscriminatorFeatures.defaultBatchSize

    func run() throws {
        guard let dataSplit = DataSplit(rawValue: split) else { throw ConfigError("--split must be train or test, not \(split)") }
        guard !(randomInit && pixels) else { throw ConfigError("give at most one of --random-init and --pixels") }
        let (trainer, header) = try experiment.load()
        let model = header.model
        guard !model.isConditional else {
            throw ConfigError("features need an unconditional model; this checkpoint's D takes class labels")
        }
        guard model.architecture == .dcgan else {
            throw ConfigError("features need the convolutional DCGAN architecture, not \(model.architecture.rawValue)")
        }
        let featuresName = "features-\(split).npy", labelsName = "labels-\(split).npy"
        _ = try experiment.path(featuresName)
        _ = try experiment.path(labelsName)
        let images = try DatasetCatalog.load(name: dataset, root: dataRoot, imageSize: model.imageSize, channels: model.channels,
                                             options: DatasetOptions(split: dataSplit)).training
        guard let labels = images.labels else { throw DataError(path: dataRoot, "the \(dataset) images have no labels") }
        let start = Date()
        let values: [Float], width: Int
        if pixels {
            values = DiscriminatorFeatures.pixels(of: images)
            width = images.imageSize
        } else {
            let discriminator: Sequential
            if randomInit {
                discriminator = ModelZoo.discriminator(for: model, condition: nil)
                var rng = RandomGenerator(seed: seed)
                Initializer.dcgan(discriminator.parameters, rng: &rng)
            } else {
                discriminator = trainer.discriminator as! Sequential
            }
            let extractor = try DiscriminatorFeatures(discriminator: discriminator, imageShape: model.sampleShape)
            print("features of \(images.count) \(split) images: \(extractor.featureLength) per image "
                  + "(4x4 max-pooled blocks of \(extractor.blockChannels.map(String.init).joined(separator: ", ")) channels)")
            values = extractor.extract(images, batchSize: batchSize)
            width = extractor.featureLength
        }
        print(String(format: "computed in %.1f s", Date().timeIntervalSince(start)))
        try experiment.write(NPYWriter.encode(float32: values, shape: [images.count, width]), to: featuresName,
                             what: "\(images.count) x \(width) features")
        try experiment.write(NPYWriter.encode(int64: labels.map(Int64.init), shape: [labels.count]), to: labelsName,
                             what: "\(labels.count) labels")
    }
}
