import DCGANData
import Foundation
import DCGANTensor

/// Progress of a run, reported after every iteration.
public struct TrainingProgress: Sendable {
    public var step: Int
    public var totalSteps: Int
    public var epoch: Int
    public var metrics: StepMetrics
    /// Smoothed throughput over recent iterations.
    public var imagesPerSecond: Double
    public var secondsLeft: Double
}

/// Training stopped because the losses stopped being numbers.
public struct DivergenceError: Error, CustomStringConvertible {
    public let step: Int
    public let lastCheckpoint: String?
    public var description: String {
        "training diverged: the losses became NaN or infinite at step \(step); "
            + (lastCheckpoint.map { "the last good checkpoint is \($0)" } ?? "no checkpoint was written before it")
    }
}

/// A training run: the loop around `GANTrainer` that feeds data, writes samples, metrics and
/// checkpoints into a run folder, and can resume from its own checkpoints exactly.
public final class TrainingRun {
    public let trainer: GANTrainer
    public let model: ModelConfig
    /// The run's settings; `iterations` may grow when a resumed run is extended.
    public private(set) var training: TrainingConfig
    public let folder: RunFolder
    public private(set) var step: Int
    public private(set) var batchesConsumed: Int
    private let dataset: ImageDataset
    private let metrics: MetricsLog
    private let fixedNoise: Tensor
    /// The class of each fixed-noise sample of a conditional run: one row per class.
    private let fixedLabels: [Int]?
    private var lastCheckpoint: String?
    /// Whether this process writes the run folder: rank 0 of a data-parallel run, or the only process.
    private var writesFolder: Bool { trainer.communicator.rank == 0 }

    /// Columns of a sample grid; an unconditional grid has 8 rows, a conditional one a row
    /// per class (up to 16).
    public static let sampleColumns = 8

    private init(trainer: GANTrainer, model: ModelConfig, training: TrainingConfig, dataset: ImageDataset, folder: RunFolder, step: Int,
                 batchesConsumed: Int, metrics: MetricsLog, lastCheckpoint: String?, communicator: Communicator) {
        self.trainer = trainer
        self.model = model
        self.training = training
        self.dataset = dataset
        self.folder = folder
        self.step = step
        self.batchesConsumed = batchesConsumed
        self.metrics = metrics
        self.lastCheckpoint = lastCheckpoint
        trainer.distribute(over: communicator, syncBatchNorm: training.syncBatchNorm ?? false)
        let rows = model.isConditional ? min(model.classes, 16) : 8
        fixedLabels = model.isConditional ? (0..<rows * Self.sampleColumns).map { $0 / Self.sampleColumns } : nil
        var rng = RandomGenerator(seed: training.seed &+ 0xF1ED)
        fixedNoise = trainer.latent.sample(count: rows * Self.sampleColumns, rng: &rng)
    }

    /// Starts a new run in `folder`: writes `config.json` and `real_samples.png`. Over
    /// several processes (`communicator`, whose size the configuration records), rank 0
    /// writes and the others wait to hear that it could.
    public static func start(model: ModelConfig, training: TrainingConfig, dataset: ImageDataset, folder: RunFolder,
                             overwrite: Bool, communicator: Communicator = SingleProcess()) throws -> TrainingRun {
        var training = training
        if communicator.size > 1 { training.processes = communicator.size }
        try checkFits(dataset, model: model, training: training)
        let trainer = try GANTrainer(model: model, training: training)
        let run = TrainingRun(trainer: trainer, model: model, training: training, dataset: dataset, folder: folder, step: 0,
                              batchesConsumed: 0, metrics: try MetricsLog(path: folder.metricsPath), lastCheckpoint: nil,
                              communicator: communicator)
        try communicator.onRankZero {
            try folder.create(overwrite: overwrite)
            try run.writeConfig()
            let real = Tensor(zeros: [min(64, dataset.count)] + model.sampleShape)
            dataset.fillBatch(real, indices: 0..<real.shape[0])
            try ImageGrid.writePNG(images: real, path: folder.realSamplesPath, overwrite: true)
            try run.metrics.flush()
        }
        return run
    }

    /// How long a resumed run should go on: to a new total of iterations, or of epochs
    /// (converted with the dataset's size as a new run does).
    public enum Extension: Sendable, Equatable {
        case iterations(Int)
        case epochs(Int)
    }

    /// Continues the run in `folder` from its latest checkpoint; `dataset` must be the one
    /// the checkpoint's configuration names (see `TrainingConfig.dataset`). With `extendTo`,
    /// the run goes on to that new total (which must lie beyond the checkpoint's step); the
    /// extended run computes exactly what an uninterrupted run of that length would.
    /// Every process of a data-parallel run reads the checkpoint (on several machines, from a
    /// shared or copied folder), and their number must be the one the run was started with.
    public static func resume(folder: RunFolder, extendTo: Extension? = nil, communicator: Communicator = SingleProcess(),
                              loadDataset: (TrainingConfig, ModelConfig) throws -> ImageDataset) throws -> TrainingRun {
        guard let path = folder.latestCheckpoint() else {
            throw DataError(path: folder.checkpointsFolder, "no checkpoint to resume from")
        }
        let (trainer, header) = try Checkpoint.load(path: path)
        try communicator.checkCanResume(folder.path, trainedWith: header.training.processes ?? 1)
        let dataset = try loadDataset(header.training, header.model)
        var training = header.training
        try checkFits(dataset, model: header.model, training: training)
        switch extendTo {
        case .iterations(let total): training.iterations = total
        case .epochs(let epochs): training.iterations = epochs * (dataset.count / training.batchSize) / training.discriminatorSteps
        case nil: break
        }
        if extendTo != nil {
            guard training.iterations > header.step else {
                throw ConfigError("\(folder.path) is at step \(header.step) already; ask for more iterations than that (asked for \(training.iterations))")
            }
        }
        let run = TrainingRun(trainer: trainer, model: header.model, training: training, dataset: dataset, folder: folder, step: header.step,
                              batchesConsumed: header.batchesConsumed,
                              metrics: try MetricsLog(path: folder.metricsPath, resumingAt: header.step), lastCheckpoint: path,
                              communicator: communicator)
        if extendTo != nil { try communicator.onRankZero { try run.writeConfig() } }
        return run
    }

    private static func checkFits(_ dataset: ImageDataset, model: ModelConfig, training: TrainingConfig) throws {
        let shape = model.sampleShape
        guard [dataset.channels, dataset.height, dataset.width] == shape else {
            throw ConfigError("the dataset holds \(dataset.channels)x\(dataset.height)x\(dataset.width) images, the model makes \(shape.map(String.init).joined(separator: "x"))")
        }
        if model.isConditional {
            guard let labels = dataset.labels else {
                throw ConfigError("a conditional model needs labelled images, and this dataset has no labels")
            }
            guard labels.allSatisfy({ (0..<model.classes).contains($0) }) else {
                throw ConfigError("the dataset's labels go up to \(labels.max() ?? 0), more than the model's \(model.classes) classes")
            }
        }
        guard dataset.count >= training.batchSize else {
            throw ConfigError("the dataset holds \(dataset.count) images, fewer than one batch of \(training.batchSize)")
        }
    }

    /// Trains until the configured number of iterations (or, with `stopAfter`, until that
    /// step, as an interrupted run would), calling `report` after each one.
    public func run(stopAfter: Int? = nil, report: (TrainingProgress) -> Void) throws {
        let loader = BatchLoader(dataset: dataset, batchSize: training.batchSize, seed: training.seed, startBatch: batchesConsumed,
                                 part: trainer.communicator.rank, parts: trainer.communicator.size)
        defer { loader.stop() }
        let imagesPerStep = Double(training.batchSize * training.discriminatorSteps)
        var smoothedRate = 0.0
        var stepStart = DispatchTime.now().uptimeNanoseconds
        var waitBefore = loader.waitSeconds
        while step < min(training.iterations, stopAfter ?? .max) {
            let result = trainer.step { batchesConsumed += 1; return loader.next() }
            step += 1
            let now = DispatchTime.now().uptimeNanoseconds
            let seconds = Double(now - stepStart) / 1e9
            stepStart = now
            let rate = imagesPerStep / max(seconds, 1e-9)
            smoothedRate = smoothedRate == 0 ? rate : 0.9 * smoothedRate + 0.1 * rate
            let waited = loader.waitSeconds - waitBefore
            waitBefore = loader.waitSeconds
            let epoch = (batchesConsumed - 1) / loader.batchesPerEpoch
            guard result.isFinite else { throw DivergenceError(step: step, lastCheckpoint: lastCheckpoint) }
            metrics.append(step: step, epoch: epoch, metrics: result, imagesPerSecond: rate, waitFraction: waited / max(seconds, 1e-9))
            report(TrainingProgress(step: step, totalSteps: training.iterations, epoch: epoch, metrics: result, imagesPerSecond: smoothedRate,
                            secondsLeft: Double(training.iterations - step) * imagesPerStep / max(smoothedRate, 1e-9)))
            let last = step == training.iterations
            if writesFolder && (last || (training.sampleEvery > 0 && step % training.sampleEvery == 0)) { try writeSamples() }
            if last || (training.checkpointEvery > 0 && step % training.checkpointEvery == 0) { try writeCheckpoint() }
        }
    }

    /// The fixed-noise grid for the current step (G with batch statistics, as PyTorch's example
    /// draws its samples during training).
    public func writeSamples() throws {
        let images = trainer.generate(fixedNoise, labels: fixedLabels, batchStatistics: true)
        try ImageGrid.writePNG(images: images, path: folder.samplePath(step: step), columns: Self.sampleColumns, overwrite: true)
    }

    /// Writes a checkpoint for the current step, then the metrics that go with it. Over
    /// several processes, first checks that every replica holds the same weights (the run
    /// stops with an error if not); rank 0 then writes.
    public func writeCheckpoint() throws {
        let path = folder.checkpointPath(step: step)
        guard trainer.communicator.allAgree(on: trainer.replicaHash) else {
            throw ReplicaMismatchError(step: step, processes: trainer.communicator.size)
        }
        guard writesFolder else { lastCheckpoint = path; return }
        try AtomicFile.write(try Checkpoint.encode(trainer, model: model, training: training, step: step, batchesConsumed: batchesConsumed),
                             to: path, overwrite: true)
        try metrics.flush()
        lastCheckpoint = path
    }

    private func writeConfig() throws {
        struct Config: Encodable {
            var toolVersion: String
            var model: ModelConfig
            var training: TrainingConfig
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = try encoder.encode(Config(toolVersion: Checkpoint.toolVersion, model: model, training: training))
        try AtomicFile.write(Array(json) + [10], to: folder.configPath, overwrite: true)
    }
}
