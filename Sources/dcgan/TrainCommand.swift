import ArgumentParser
import DCGANData
import Foundation
import DCGANKit

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a DCGAN; with no options, one epoch on Fashion-MNIST with the paper's settings.",
        discussion: "Writes config.json, real_samples.png, samples/step-N.png, metrics.csv and checkpoints/step-N.dcgan into the run folder.")

    @Option(help: "Dataset: \(DatasetCatalog.names.joined(separator: ", ")).")
    var dataset = "fashion-mnist"
    @Option(help: "Folder holding the dataset's files (for packed: the packed file).")
    var dataRoot = MNISTDataset.defaultRoot
    @Option(help: "Part of a dataset that ships in two (mnist, fashion-mnist, cifar10): train or test.")
    var split = "train"
    @Option(help: "Keep only these classes: an index (5), a list (3,5) or names (cat,dog).")
    var classes: String?
    @Option(help: "Fraction of the images, after a seeded shuffle, kept out of training (their count is reported).")
    var holdout = 0.0
    @Option(help: "The uint8 array (N x H x W x C or N x H x W) an hdf5 dataset reads.")
    var hdf5Key = "images"
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Images per batch.")
    var batchSize = 128
    @Option(help: "Passes over the data (ignored when --iterations is given).")
    var epochs = 1
    @Option(help: "Generator steps to train for (overrides --epochs).")
    var iterations: Int?
    @Option(help: "Optimiser: adam (paper) or rmsprop (the Keras tutorial's, with clipping and decay).")
    var optimizer = "adam"
    @Option(help: "Adam learning rate.")
    var lr: Float = 2e-4
    @Option(help: "Adam beta1 (the paper's 0.5; 0.9 oscillates).")
    var beta1: Float = 0.5
    @Option(help: "Discriminator steps per generator step.")
    var dSteps = 1
    @Option(help: "Target for real images in D's loss (0.9 for one-sided label smoothing).")
    var realLabel: Float = 1.0
    @Option(help: "Standard deviation of Gaussian noise added to D's targets.")
    var labelNoise: Float = 0
    @Option(help: "Distribution of z: uniform (paper, in [-1, 1]) or normal.")
    var noise = "uniform"
    @Option(help: "Random seed: the same seed and thread count give the same run.")
    var seed: UInt64 = 1
    @OptionGroup var threadOptions: ThreadOptions
    @Option(help: "Run folder (default: runs/<timestamp>).")
    var out: String?
    @Flag(help: "Replace a run already in the --out folder.")
    var overwrite = false
    @Option(help: "Continue the run in this folder from its latest checkpoint (its settings are reused).")
    var resume: String?
    @Option(help: "Write a fixed-noise sample grid every N iterations (0: only at the end).")
    var sampleEvery = 100
    @Option(help: "Write a checkpoint every N iterations (0: only at the end).")
    var checkpointEvery = 200
    @Option(help: "When not on a terminal, print a progress line every N iterations.")
    var logEvery = 50

    func run() throws {
        try threadOptions.apply()
        let run: TrainingRun
        if let resume {
            run = try TrainingRun.resume(folder: RunFolder(resume)) { training, model in
                // Model options given with --resume must describe the run being resumed.
                guard modelOptions.model(over: model) == model else {
                    throw ConfigError("\(resume) was trained with another model configuration than the options given (\(model.imageSize)x\(model.imageSize)x\(model.channels), nz \(model.nz), ngf \(model.ngf), ndf \(model.ndf))")
                }
                return try Self.loadData(training, model)
            }
            print("resuming \(resume) at step \(run.step) of \(run.trainer.training.iterations)")
        } else {
            let model = modelOptions.model
            try model.validate()
            var selection = TrainingConfig()
            (selection.dataset, selection.dataRoot, selection.seed) = (dataset, dataRoot, seed)
            (selection.split, selection.classes, selection.holdout, selection.hdf5Key) = (split, classes, holdout, hdf5Key)
            let data = try Self.loadData(selection, model)
            let training = try trainingConfig(datasetCount: data.count)
            let folder = RunFolder(out ?? "runs/" + Self.timestamp())
            run = try TrainingRun.start(model: model, training: training, dataset: data, folder: folder, overwrite: overwrite)
            print("training on \(data.count) \(dataset) images of \(model.imageSize)x\(model.imageSize)x\(model.channels) "
                  + "for \(training.iterations) iterations; writing to \(folder.path)")
        }
        let display = ProgressDisplay(logEvery: run.trainer.training.logEvery)
        do {
            try run.run(report: display.show)
        } catch {
            display.finish()
            throw error
        }
        display.finish()
        print("done: samples in \(run.folder.samplesFolder), checkpoints in \(run.folder.checkpointsFolder)")
    }

    /// The training images the settings name, printing what loading had to say once.
    private static func loadData(_ training: TrainingConfig, _ model: ModelConfig) throws -> ImageDataset {
        let loaded = try DatasetCatalog.load(name: training.dataset, root: training.dataRoot, imageSize: model.imageSize,
                                             channels: model.channels, options: training.datasetOptions())
        for note in loaded.notes { print(note) }
        return loaded.training
    }

    private func trainingConfig(datasetCount: Int) throws -> TrainingConfig {
        var t = TrainingConfig()
        t.dataset = dataset
        t.dataRoot = dataRoot
        t.split = split
        t.classes = classes
        t.holdout = holdout
        t.hdf5Key = hdf5Key
        t.batchSize = batchSize
        guard let kind = TrainingConfig.OptimizerKind(rawValue: optimizer) else { throw ConfigError("unknown optimizer '\(optimizer)' (adam or rmsprop)") }
        guard let noiseKind = TrainingConfig.NoiseKind(rawValue: noise) else { throw ConfigError("unknown noise '\(noise)' (uniform or normal)") }
        t.optimizer = kind
        t.noise = noiseKind
        t.learningRate = lr
        t.beta1 = beta1
        t.discriminatorSteps = dSteps
        t.realLabel = realLabel
        t.labelNoise = labelNoise
        t.seed = seed
        t.sampleEvery = sampleEvery
        t.checkpointEvery = checkpointEvery
        t.logEvery = logEvery
        guard batchSize >= 2 else { throw ConfigError("batch size must be at least 2 (BatchNorm needs a batch), not \(batchSize)") }
        guard dSteps >= 1 else { throw ConfigError("--d-steps must be at least 1") }
        if let iterations {
            t.iterations = iterations
        } else {
            guard epochs >= 1 else { throw ConfigError("--epochs must be at least 1") }
            t.iterations = epochs * (datasetCount / batchSize) / dSteps
        }
        try t.validate()
        return t
    }

    static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: Date())
    }
}
