import DCGANData
import Foundation
import DCGANTensor

/// Progress of a run, reported after every iteration.
public struct TrainingProgress: Sendable {
    /// The generator step just completed (from 1).
    public var step: Int
    /// Generator steps the run will take in all (`TrainingConfig.untilTimeIsUp` when only
    /// its time budget ends it).
    public var totalSteps: Int
    /// Passes over the data completed before this step's batch.
    public var epoch: Int
    /// Losses and D outputs of this step.
    public var metrics: StepMetrics
    /// Smoothed throughput over recent iterations.
    public var imagesPerSecond: Double
    /// Estimated seconds until the last step at the smoothed throughput, or until the time
    /// budget is spent if that comes first.
    public var secondsLeft: Double
    /// Whether this is the run's last step (the step limit or the time budget reached).
    public var isLast = false
    /// The scores of this step's evaluation (`TrainingRun.evaluator`), named; nil on steps without one.
    public var evaluation: [(name: String, value: Double)]?
    /// The health conditions (`TrainingHealth`) that started or cleared at this step.
    public var healthChanges: [HealthChange] = []
}

/// Training stopped because the losses stopped being numbers.
public struct DivergenceError: Error, CustomStringConvertible {
    /// The step whose losses were not finite.
    public let step: Int
    /// The latest checkpoint written before the divergence, if any.
    public let lastCheckpoint: String?
    /// One line naming the step and the last good checkpoint.
    public var description: String {
        "training diverged: the losses became NaN or infinite at step \(step); "
            + (lastCheckpoint.map { "the last good checkpoint is \($0)" } ?? "no checkpoint was written before it")
    }
}

/// A training run: the loop around `GANTrainer` that feeds data, writes samples, metrics and
/// checkpoints into a run folder, and can resume from its own checkpoints exactly. The run
/// holds its folder's `RunLock` from `start` or `resume` until `close()` or deallocation.
public final class TrainingRun {
    /// The networks, optimisers and loss being trained.
    public let trainer: GANTrainer
    /// The shape of both networks.
    public let model: ModelConfig
    /// The run's settings; `iterations` may grow when a resumed run is extended.
    public private(set) var training: TrainingConfig
    /// Where samples, metrics and checkpoints go.
    public let folder: RunFolder
    /// Generator steps completed.
    public private(set) var step: Int
    /// Real batches drawn so far (D steps times G steps), which fixes the position in the data order.
    public private(set) var batchesConsumed: Int
    private let dataset: ImageDataset
    /// The metrics log, written by the process that writes the folder.
    private let metrics: MetricsLog?
    private let fixedNoise: Tensor
    /// The class of each fixed-noise sample of a conditional run: one row per class.
    private let fixedLabels: [Int]?
    /// The folder's lock, held by the process that writes the folder (rank 0 of a data-parallel run).
    private let lock: RunLock?
    /// The newest checkpoint this run wrote or resumed from.
    public private(set) var lastCheckpoint: String?
    /// The step `lastCheckpoint` holds.
    private var checkpointedStep: Int?
    /// One line when `resume` passed over newer checkpoints (damaged, or past the metrics), saying which.
    public let resumeNote: String?

    /// How `run` ended.
    public enum Outcome: Sendable, Equatable {
        /// The configured number of iterations is done, the time budget spent (`step` is then
        /// short of `training.iterations`), or `stopAfter` was reached.
        case finished
        /// A stop was requested; the run wrote a checkpoint of the step it had reached.
        case stopped
        /// `TrainingConfig.stopOnCollapse` ended the run: the samples collapsed or D won outright
        /// (the reason says which, and what was measured). The run wrote samples and a checkpoint of the step it had reached.
        case unhealthy(reason: String)
    }
    /// Whether the run writes a TensorBoard event file (`dcgan train --no-tensorboard` turns it
    /// off); set it before `run`.
    public var writesTensorBoard = true
    /// When the run's clock started: its time budget (`training.minutes`) and metrics.csv's
    /// `elapsed_s` count from here. Taken when the run is made; a caller that started earlier
    /// (the CLI, as the process starts) sets its own before `run`.
    public var startedAt = DispatchTime.now()
    private var monitor: RunMonitor?
    /// Watches for failing training; it only reads metrics and samples.
    private var health: TrainingHealth
    /// The diversity of the first real images (as many as `real_samples.png` shows), the yardstick of the samples'.
    private lazy var realDiversity: Double = {
        let real = Tensor(zeros: [min(64, dataset.count)] + model.sampleShape)
        dataset.fillBatch(real, indices: 0..<real.shape[0])
        return SampleDiversity.meanPairwiseDistance(real)
    }()
    /// Scores the generator every `training.evaluateEvery` steps (and at the last step); its
    /// values go into `metrics.csv`'s `evaluationColumns` and `TrainingProgress.evaluation`.
    /// Set by the caller, which owns the classifier and reference images it needs.
    public var evaluator: ((GANTrainer) -> [(name: String, value: Double)])?
    /// Whether this process writes the run folder: rank 0 of a data-parallel run, or the only process.
    private var writesFolder: Bool { trainer.communicator.rank == 0 }

    /// Columns of a sample grid; an unconditional grid has 8 rows, a conditional one a row
    /// per class (up to 16).
    public static let sampleColumns = 8

    private init(trainer: GANTrainer, model: ModelConfig, training: TrainingConfig, dataset: ImageDataset, folder: RunFolder, lock: RunLock?,
                 step: Int, batchesConsumed: Int, metrics: MetricsLog?, lastCheckpoint: String?, resumeNote: String? = nil,
                 communicator: Communicator) {
        self.trainer = trainer
        self.model = model
        self.training = training
        self.dataset = dataset
        self.folder = folder
        self.step = step
        self.batchesConsumed = batchesConsumed
        self.metrics = metrics
        self.lock = lock
        self.lastCheckpoint = lastCheckpoint
        self.checkpointedStep = lastCheckpoint == nil ? nil : step
        self.resumeNote = resumeNote
        health = TrainingHealth(loss: training.loss, totalSteps: training.iterations)
        trainer.distribute(over: communicator, syncBatchNorm: training.syncBatchNorm ?? false)
        let rows = model.isConditional ? min(model.classes, 16) : 8
        fixedLabels = model.isConditional ? (0..<rows * Self.sampleColumns).map { $0 / Self.sampleColumns } : nil
        var rng = RandomGenerator(seed: training.seed &+ 0xF1ED)
        fixedNoise = trainer.latent.sample(count: rows * Self.sampleColumns, rng: &rng)
    }

    /// Starts a new run in `folder` (see `RunFolder.create`: locked, an old run replaced only
    /// with `overwrite`): writes `config.json`, `real_samples.png` and the header of `metrics.csv`.
    /// Over several processes (`communicator`, whose size the configuration records), rank 0
    /// writes and the others wait to hear that it could.
    public static func start(model: ModelConfig, training: TrainingConfig, dataset: ImageDataset, folder: RunFolder,
                             overwrite: Bool, communicator: Communicator = SingleProcess()) throws -> TrainingRun {
        var training = training
        if communicator.size > 1 { training.processes = communicator.size }
        try checkFits(dataset, model: model, training: training)
        let trainer = try GANTrainer(model: model, training: training)
        var lock: RunLock?, metrics: MetricsLog?
        try communicator.onRankZero {
            lock = try folder.create(overwrite: overwrite)
            metrics = try MetricsLog(path: folder.metricsPath, evaluationColumns: evaluationColumns(training), elapsedColumn: training.minutes != nil)
        }
        let run = TrainingRun(trainer: trainer, model: model, training: training, dataset: dataset, folder: folder, lock: lock, step: 0,
                              batchesConsumed: 0, metrics: metrics, lastCheckpoint: nil, communicator: communicator)
        try communicator.onRankZero {
            try run.writeConfig()
            let real = Tensor(zeros: [min(64, dataset.count)] + model.sampleShape)
            dataset.fillBatch(real, indices: 0..<real.shape[0])
            try ImageGrid.writePNG(images: real, path: folder.realSamplesPath, overwrite: true)
        }
        return run
    }

    /// How long a resumed run should go on: to a new total of iterations, or of epochs
    /// (converted with the dataset's size as a new run does).
    public enum Extension: Sendable, Equatable {
        /// To this total of generator steps.
        case iterations(Int)
        /// To this total of passes over the data.
        case epochs(Int)
    }

    /// Continues the run in `folder` (locking it) from its newest checkpoint that loads and that
    /// `metrics.csv` covers (`resumeNote` says which were passed over); `dataset` must be the one
    /// the checkpoint's configuration names (see `TrainingConfig.dataset`). With `extendTo`,
    /// the run goes on to that new total (which must lie beyond the checkpoint's step); the
    /// extended run computes exactly what an uninterrupted run of that length would.
    /// `minutes` is the resumed run's own time budget (`TrainingConfig.minutes`, nil: none); a
    /// run that only a time budget ends needs one, or an `extendTo`.
    /// Every process of a data-parallel run reads the checkpoint (on several machines, from a
    /// shared or copied folder), and their number must be the one the run was started with.
    public static func resume(folder: RunFolder, extendTo: Extension? = nil, minutes: Double? = nil, communicator: Communicator = SingleProcess(),
                              loadDataset: (TrainingConfig, ModelConfig) throws -> ImageDataset) throws -> TrainingRun {
        var lock: RunLock?
        try communicator.onRankZero { lock = try folder.lockForResume() }
        let point = try ResumePoint.find(in: folder)
        let (trainer, header) = (point.trainer, point.header)
        try communicator.checkCanResume(folder.path, trainedWith: header.training.processes ?? 1)
        let dataset = try loadDataset(header.training, header.model)
        var training = header.training
        try checkFits(dataset, model: header.model, training: training)
        switch extendTo {
        case .iterations(let total): training.iterations = total
        case .epochs(let epochs): training.iterations = epochs * (dataset.count / training.batchSize) / training.discriminatorSteps
        case nil: break
        }
        training.minutes = minutes
        guard training.hasStepLimit || minutes != nil else {
            throw ConfigError("\(folder.path) trains until its time runs out: give --minutes for a new budget, or --iterations or --epochs")
        }
        try training.validate()
        if extendTo != nil || minutes != nil {
            guard training.iterations > header.step else {
                throw ConfigError("\(folder.path) is at step \(header.step) already; ask for more iterations than that (asked for \(training.iterations))")
            }
        }
        var metrics: MetricsLog?
        try communicator.onRankZero {
            metrics = try MetricsLog(path: folder.metricsPath, resumingAt: header.step, evaluationColumns: evaluationColumns(training),
                                     elapsedColumn: training.minutes != nil)
        }
        let run = TrainingRun(trainer: trainer, model: header.model, training: training, dataset: dataset, folder: folder, lock: lock,
                              step: header.step, batchesConsumed: header.batchesConsumed, metrics: metrics,
                              lastCheckpoint: point.path, resumeNote: point.note, communicator: communicator)
        if training != header.training { try communicator.onRankZero { try run.writeConfig() } }
        // The health monitor goes on from the logged steps, as the curves do (a process that
        // cannot read the log, on another machine, starts afresh; rank 0 writes and reads it).
        if let csv = try? String(contentsOfFile: folder.metricsPath, encoding: .utf8) { run.health.resume(fromLog: csv, upTo: header.step) }
        return run
    }

    /// The metrics.csv columns of a run's evaluations: none unless it evaluates.
    private static func evaluationColumns(_ training: TrainingConfig) -> [String] {
        (training.evaluateEvery ?? 0) > 0 ? SampleScores.scalarNames : []
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

    /// Trains until the configured number of iterations, or the step that ends past the time
    /// budget (`training.minutes` from `startedAt`), or with `stopAfter` until that step (as a
    /// killed run would), calling `report` after each one. `stopRequested` is asked
    /// before each iteration (a signal handler's flag, say): once it says yes (in any process
    /// of a data-parallel run: they stop together), the run writes a checkpoint of the step it
    /// has reached (unless it has one) and returns `.stopped`. With `TrainingConfig.stopOnCollapse`,
    /// a collapse or D winning outright (see `TrainingHealth`) ends the run the same way with `.unhealthy`.
    @discardableResult
    public func run(stopAfter: Int? = nil, stopRequested: () -> Bool = { false }, report: (TrainingProgress) -> Void) throws -> Outcome {
        let loader = BatchLoader(dataset: dataset, batchSize: training.batchSize, seed: training.seed, startBatch: batchesConsumed,
                                 part: trainer.communicator.rank, parts: trainer.communicator.size)
        defer { loader.stop() }
        let imagesPerStep = Double(training.batchSize * training.discriminatorSteps)
        var smoothedRate = 0.0
        var stepStart = DispatchTime.now().uptimeNanoseconds
        var waitBefore = loader.waitSeconds
        let deadline = training.minutes.map { startedAt.uptimeNanoseconds + UInt64($0 * 60e9) }
        while step < min(training.iterations, stopAfter ?? .max) {
            if trainer.communicator.anyProcess(stopRequested()) {
                if checkpointedStep != step { try writeCheckpoint() }
                return .stopped
            }
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
            // Every process of a data-parallel run ends at the step where any ran out of time.
            let outOfTime = deadline.map { trainer.communicator.anyProcess(now >= $0) } ?? false
            let last = step == training.iterations || outOfTime
            let every = training.evaluateEvery ?? 0
            let evaluation = writesFolder && every > 0 && (last || step % every == 0) ? evaluator?(trainer) : nil
            // The evaluation's time is not the step's: throughput counts training only.
            if evaluation != nil { stepStart = DispatchTime.now().uptimeNanoseconds }
            var healthChanges = health.observe(result)
            // Made before the row is written, so that the row's health code includes the grid's diversity.
            let samples = writesFolder && (last || (training.sampleEvery > 0 && step % training.sampleEvery == 0)) ? generateSamples() : nil
            if let samples { healthChanges += health.observeSamples(diversityRatio: SampleDiversity.meanPairwiseDistance(samples) / realDiversity) }
            if let metrics {
                let scalars = try metrics.append(step: step, epoch: epoch, metrics: result, imagesPerSecond: rate,
                                                 waitFraction: waited / max(seconds, 1e-9), evaluation: evaluation.map { $0.map(\.value) },
                                                 elapsedSeconds: Double(now - startedAt.uptimeNanoseconds) / 1e9, health: health.code)
                try activeMonitor().record(step: step, scalars: scalars)
            }
            let budgetLeft = deadline.map { Double(Int64(bitPattern: $0 &- now)) / 1e9 } ?? .infinity
            report(TrainingProgress(step: step, totalSteps: training.iterations, epoch: epoch, metrics: result, imagesPerSecond: smoothedRate,
                                    secondsLeft: min(Double(training.iterations - step) * imagesPerStep / max(smoothedRate, 1e-9), max(0, budgetLeft)),
                                    isLast: last, evaluation: evaluation, healthChanges: healthChanges))
            if let samples { try writeSamples(samples) }
            if last || (training.checkpointEvery > 0 && step % training.checkpointEvery == 0) { try writeCheckpoint() }
            if outOfTime { break }
            // Asked only when on, so that a run without it makes no extra collective call.
            if training.stopOnCollapse == true && !last && trainer.communicator.anyProcess(health.stopReason != nil) {
                if writesFolder && samples == nil { try writeSamples(generateSamples()) }
                if checkpointedStep != step { try writeCheckpoint() }
                return .unhealthy(reason: health.stopReason ?? "another process of the job saw the samples collapse")
            }
        }
        return .finished
    }

    /// Gives up the run folder's lock; the run must not write after this.
    public func close() { lock?.release() }

    /// The fixed-noise grid for the current step (G with batch statistics, as PyTorch's example
    /// draws its samples during training).
    public func writeSamples() throws { try writeSamples(generateSamples()) }

    private func generateSamples() -> Tensor { trainer.generate(fixedNoise, labels: fixedLabels, batchStatistics: true) }

    private func writeSamples(_ images: Tensor) throws {
        let png = try ImageGrid.writePNG(images: images, path: folder.samplePath(step: step), columns: Self.sampleColumns, overwrite: true)
        try activeMonitor().sampleGridWritten(step: step, png: png)
    }

    /// The event file and curve plot, set up when first needed (a run resumed past step 0
    /// takes its curves so far from metrics.csv).
    private func activeMonitor() throws -> RunMonitor {
        if let monitor { return monitor }
        let created = try RunMonitor(folder: folder, resumingAt: step > 0 ? step : nil, tensorBoard: writesTensorBoard)
        monitor = created
        return created
    }

    /// Writes a checkpoint for the current step, after making the metrics rows it covers
    /// durable (so a resumed log never has a gap), then removes checkpoints beyond `keepLast`.
    /// Over several processes, first checks that every replica holds the same weights (the run
    /// stops with an error if not); rank 0 then writes.
    public func writeCheckpoint() throws {
        try metrics?.flush()
        let path = folder.checkpointPath(step: step)
        guard trainer.communicator.allAgree(on: trainer.replicaHash) else {
            throw ReplicaMismatchError(step: step, processes: trainer.communicator.size)
        }
        guard writesFolder else { (lastCheckpoint, checkpointedStep) = (path, step); return }
        try AtomicFile.write(try Checkpoint.encode(trainer, model: model, training: training, step: step, batchesConsumed: batchesConsumed),
                             to: path, overwrite: true)
        (lastCheckpoint, checkpointedStep) = (path, step)
        if let keep = training.keepLast, keep > 0 { try folder.removeCheckpoints(keepingNewest: keep) }
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
