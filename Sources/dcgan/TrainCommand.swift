import ArgumentParser
import DCGANData
import Foundation
import DCGANKit
import DCGANLayers

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a DCGAN; with no options, one epoch on Fashion-MNIST with the paper's settings.",
        discussion: "Writes config.json, real_samples.png, samples/step-N.png, metrics.csv and checkpoints/step-N.dcgan into the run folder, "
            + "which it locks while it runs. Warns (live line, log, metrics.csv's health column) when D wins outright, the samples collapse or the losses oscillate; "
            + "--stop-on-collapse ends such a run with exit status \(unhealthyExitStatus). Ctrl-C, SIGTERM or SIGHUP finish the current step, write a checkpoint and exit with 128 + the signal's number; a second one exits at once.")

    @Option(help: "Dataset: \(DatasetCatalog.names.joined(separator: ", ")). Default fashion-mnist (pattern1010 for --model toy1010).")
    var dataset: String?
    @Option(help: "Folder holding the dataset's files (for packed: the packed file). Default \(MNISTDataset.defaultRoot).")
    var dataRoot: String?
    @Option(help: "Part of a dataset that ships in two (mnist, fashion-mnist, cifar10): train or test.")
    var split = "train"
    @Option(help: "Keep only these classes: an index (5), a list (3,5) or names (cat,dog).")
    var classes: String?
    @Option(parsing: .unconditional, help: "Fraction of the images, after a seeded shuffle, kept out of training (their count is reported).", transform: OptionRange.real(0, 1, openUpper: true))
    var holdout = 0.0
    @Option(help: "What an hdf5 dataset reads: a uint8 array (N x H x W x C, N x H x W, or one H x W x C image) or a group of one image per member.")
    var hdf5Key = "images"
    @OptionGroup var modelOptions: ModelOptions
    @Option(parsing: .unconditional, help: "Images per batch. Default 128 (mlp 16, toy1010 1).", transform: OptionRange.integer(1...OptionRange.maxImages))
    var batchSize: Int?
    @Option(parsing: .unconditional, help: "Passes over the data (ignored when --iterations is given); with --resume, the new total. Default 1 (mlp 4).", transform: OptionRange.integer(1...OptionRange.maxSteps))
    var epochs: Int?
    @Option(parsing: .unconditional, help: "Generator steps to train for (overrides --epochs); with --resume, the new total. Default: one epoch (toy1010: 10000).", transform: OptionRange.integer(1...OptionRange.maxSteps))
    var iterations: Int?
    @Option(help: "Loss: \(GANLoss.allCases.map(\.rawValue).joined(separator: ", ")) (bce: the paper's non-saturating cross-entropy; lsgan: least squares; wasserstein: WGAN with weight clipping). Default bce (toy1010: lsgan).")
    var loss: String?
    @Option(parsing: .unconditional, help: "Weight-clipping bound of the Wasserstein critic.", transform: OptionRange.float(0, 100, openLower: true))
    var weightClip: Float = 0.01
    @Option(help: "Optimiser: adam (paper), rmsprop (the Keras tutorial's, with clipping and decay) or sgd. Default adam (toy1010: sgd).")
    var optimizer: String?
    @Option(parsing: .unconditional, help: "Learning rate of both networks. Default 2e-4 (mlp 1e-4, toy1010 0.01; rmsprop: the Keras tutorial's 8e-4 for D and 4e-4 for G).", transform: OptionRange.float(0, 10, openLower: true))
    var lr: Float?
    @Option(parsing: .unconditional, help: "Adam beta1 (the paper's 0.5; 0.9 oscillates). Default 0.5 (mlp 0.9).", transform: OptionRange.float(0, 1, openUpper: true))
    var beta1: Float?
    @Option(parsing: .unconditional, help: "Discriminator steps per generator step. Default 1 (cntk-mnist: the tutorial's 2).", transform: OptionRange.integer(1...1000))
    var dSteps: Int?
    @Option(parsing: .unconditional, help: "Target for real images in D's loss (0.9 for one-sided label smoothing).", transform: OptionRange.float(0, 1))
    var realLabel: Float = 1.0
    @Option(parsing: .unconditional, help: "Standard deviation of Gaussian noise added to D's targets.", transform: OptionRange.float(0, 10))
    var labelNoise: Float = 0
    @Option(help: "Distribution of z: uniform (paper, in [-1, 1]) or normal. Default uniform (mlp normal).")
    var noise: String?
    @Option(parsing: .unconditional, help: "Random seed: the same seed and thread count give the same run.", transform: OptionRange.seed)
    var seed: UInt64 = 1
    @OptionGroup var threadOptions: ThreadOptions
    @Option(help: "Run folder (default: runs/<timestamp>).")
    var out: String?
    @Flag(help: "Replace a run already in the --out folder (the old run folder is removed, all of it).")
    var overwrite = false
    @Option(help: "Continue the run in this folder from its latest good checkpoint (its settings are reused; --iterations or --epochs extend it, --minutes gives it a new time budget).")
    var resume: String?
    @Option(parsing: .unconditional, help: "Write a fixed-noise sample grid every N iterations (0: only at the end). Default 100.", transform: OptionRange.integer(0...OptionRange.maxSteps))
    var sampleEvery: Int?
    @Option(parsing: .unconditional, help: "Write a checkpoint every N iterations (0: only at the end). Default 200.", transform: OptionRange.integer(0...OptionRange.maxSteps))
    var checkpointEvery: Int?
    @Option(parsing: .unconditional, help: "When not on a terminal, print a progress line every N iterations. Default 50.", transform: OptionRange.integer(1...OptionRange.maxSteps))
    var logEvery: Int?
    @Flag(help: "Write no TensorBoard event file (events.out.tfevents.*) into the run folder.")
    var noTensorboard = false
    @Option(parsing: .unconditional, help: "Keep only the newest N checkpoints (0: keep all). Default 0.", transform: OptionRange.integer(0...OptionRange.maxSteps))
    var keepLast: Int?
    @Option(parsing: .unconditional, help: "Score the generator every N iterations and at the end (Fréchet distance, KID, precision, recall, class entropy, as `dcgan evaluate` does) into metrics.csv; needs a labelled dataset. Default 0: never.", transform: OptionRange.integer(0...OptionRange.maxSteps))
    var evalEvery: Int?
    @Option(help: "Classifier file of --eval-every (as `dcgan evaluate --classifier`). Default: one per dataset under \(ClassifierCache.defaultFolder).")
    var classifier: String?
    @Option(parsing: .unconditional, help: "Samples generated for each of those scores (and real images they are compared with). Default \(TrainingConfig.defaultEvaluationSamples).", transform: OptionRange.integer(4...OptionRange.maxImages))
    var evalSamples: Int?
    @Flag(help: ArgumentHelp("End the run, with samples, a checkpoint and a one-line reason, when the fixed-noise samples collapse or D wins outright "
            + "(the warnings of README.md's training health); exit status \(Self.unhealthyExitStatus). Without it those conditions only warn."))
    var stopOnCollapse = false
    @Flag(help: "Under mpirun: BatchNorm statistics over the whole batch of all processes rather than each process's share (docs/SCALING.md).")
    var syncBatchNorm = false
    @Option(parsing: .unconditional, help: "Under mpirun: seconds a collective may wait for the other processes before the run stops.",
            transform: OptionRange.real(0, 86_400, openLower: true))
    var collectiveTimeout = 300.0
    @Option(help: .hidden) var replicaHashLog: String?
    // Time budget and two time-scale learning rates.
    @Option(parsing: .unconditional, help: "Train for this many minutes of wall-clock time, start-up included, then end as any run ends (checkpoint, samples, summary). Without --iterations or --epochs only the time ends the run; with them, whichever comes first. With --resume, a new budget from the resume's start.",
            transform: OptionRange.real(0, TrainingConfig.maxMinutes, openLower: true))
    var minutes: Double?
    @Option(name: .customLong("lr-d"), parsing: .unconditional, help: "D's learning rate, overriding --lr (and RMSprop's 8e-4) for D: with --lr-g, two time-scale updates.",
            transform: OptionRange.float(0, 10, openLower: true))
    var lrD: Float?
    @Option(name: .customLong("lr-g"), parsing: .unconditional, help: "G's learning rate, overriding --lr (and RMSprop's 4e-4) for G.", transform: OptionRange.float(0, 10, openLower: true))
    var lrG: Float?
    @Option(name: .customLong("g-ema"), parsing: .unconditional, help: "Keep an exponential moving average of G's weights with this decay (0.999 is usual; warmed up as min(decay, (1 + t) / (10 + t)) at step t), saved in checkpoints; samples, evaluations and `dcgan sample` then use it. Default: none.", transform: OptionRange.float(0, 1, openLower: true, openUpper: true))
    var generatorEMA: Float?

    // Issue 14, better samples per CPU minute: spectral normalisation and augmentation.
    @Flag(help: "Spectral normalisation of every convolution of D (one power iteration per training pass; dcgan model only).")
    var spectralNorm = false
    @Option(help: "Differentiable augmentation of the real and fake images D sees: a comma list of \(DiffAugment.Operation.allCases.map(\.rawValue).joined(separator: ", ")) (DiffAugment).")
    var augment: String?

    @Option(help: "Settings to start from, before the options given here: paper (the seeds' DCGAN, the default) or improved (the combination measured best per CPU minute, docs/QUALITY.md: \(Recipe.improvedSummary)).")
    var recipe = Recipe.paper.rawValue

    func run() throws {
        // The time budget counts from here: start-up is part of the minutes a user gives.
        let started = DispatchTime.now()
        try threadOptions.apply()
        let communicator = try DataParallelLaunch.communicator(timeout: collectiveTimeout)
        let run: TrainingRun
        var evaluation: TrainingEvaluation?
        if let resume {
            guard recipe == Recipe.paper.rawValue else { throw ConfigError("--recipe starts a new run; a resumed run keeps the settings it was started with") }
            let extendTo = iterations.map(TrainingRun.Extension.iterations) ?? epochs.map(TrainingRun.Extension.epochs)
            run = try TrainingRun.resume(folder: RunFolder(resume), extendTo: extendTo, minutes: minutes, communicator: communicator) { training, model in
                // Model options given with --resume must describe the run being resumed.
                guard try !modelOptions.contradicts(model), !spectralNorm || model.spectralNorm == true else {
                    throw ConfigError("\(resume) was trained with another model configuration than the options given (\(model.summary))")
                }
                try MemoryEstimate.training(model: model, batchSize: training.batchSize, optimizer: training.optimizer).beyondTrainer
                    .require(for: "training \(model.summary) at batch \(training.batchSize)")
                return try Self.loadData(training, model)
            }
            // Until here a signal ends the process at once: nothing was written that a stop could save.
            StopSignals.install()
            if let note = run.resumeNote { print(note) }
            print("resuming \(resume) at step \(run.step)" + (run.training.minutes == nil ? " of \(run.training.iterations)" : "; training for \(run.training.lengthDescription)"))
            if (run.training.evaluateEvery ?? 0) > 0 && communicator.rank == 0 {
                evaluation = try TrainingEvaluation(training: run.training, model: run.model, classifier: classifier)
            }
        } else {
            let architecture = try modelOptions.architecture()
            var selection = TrainingConfig.defaults(for: architecture)
            guard let recipe = Recipe(rawValue: recipe) else {
                throw ConfigError("unknown recipe '\(self.recipe)' (\(Recipe.allCases.map(\.rawValue).joined(separator: " or ")))")
            }
            try recipe.apply(to: &selection, architecture: architecture)
            selection.dataset = dataset ?? selection.dataset
            // Absolute, so that --resume from another directory finds the data again.
            selection.dataRoot = dataRoot.map(Self.absolute) ?? (dataset == nil ? selection.dataRoot : MNISTDataset.defaultRoot)
            (selection.seed, selection.split, selection.classes, selection.holdout, selection.hdf5Key) = (seed, split, classes, holdout, hdf5Key)
            // Checked before the data is read (the class count, from the data, is a placeholder here).
            var model = try modelOptions.config(classes: 1)
            try MemoryEstimate.training(model: model, batchSize: batchSize ?? selection.batchSize, optimizer: selection.optimizer)
                .require(for: "training \(model.summary) at batch \(batchSize ?? selection.batchSize)")
            let data = try Self.loadData(selection, model)
            if modelOptions.conditional {
                let count = data.classNames?.count ?? (data.labels?.max() ?? -1) + 1
                guard data.labels != nil, count >= 1 else {
                    throw ConfigError("--conditional needs a labelled dataset, and \(selection.dataset) images have no labels")
                }
                model = try modelOptions.config(classes: count)
            }
            if spectralNorm {
                model.spectralNorm = true
                try model.validate()
            }
            // Recorded only when used, so that a run without them writes what it always did.
            (selection.processes, selection.syncBatchNorm) = (communicator.size > 1 ? communicator.size : nil, syncBatchNorm ? true : nil)
            let training = try trainingConfig(base: selection, architecture: model.architecture, datasetCount: data.count)
            let folder = RunFolder(out ?? "runs/" + Self.timestamp())
            // Rank 0 alone scores the generator (and trains the classifier, if it has to, once).
            if (training.evaluateEvery ?? 0) > 0 && communicator.rank == 0 {
                evaluation = try TrainingEvaluation(training: training, model: model, classifier: classifier)
            }
            // From here a signal stops cleanly: even a run stopped while it sets up gets a checkpoint.
            StopSignals.install()
            run = try TrainingRun.start(model: model, training: training, dataset: data, folder: folder, overwrite: overwrite,
                                        communicator: communicator)
            if let recipe = training.recipe { print("recipe \(recipe): \(Recipe.improvedSummary)") }
            print("training \(model.summary) on \(data.count) \(training.dataset) images "
                  + "for \(training.lengthDescription) (\(training.loss.rawValue) loss, \(training.optimizer.rawValue)"
                  + (training.augment.map { ", augment \($0)" } ?? "") + ")"
                  + (communicator.size > 1 ? " over \(communicator.size) processes" : "") + "; writing to \(run.folder.path)")
            if let decay = training.generatorEMA { print("keeping a moving average of G's weights (decay \(decay), warmed up); samples use it") }
        }
        if run.training.learningRateD != nil || run.training.learningRateG != nil {
            print("learning rates: D \(run.training.learningRate(generator: false)), G \(run.training.learningRate(generator: true))")
        }
        if run.training.stopOnCollapse == true { print("stopping if the samples collapse or D wins outright (--stop-on-collapse)") }
        if let evaluation { run.evaluator = evaluation.evaluator(for: run.trainer) }
        run.startedAt = started
        run.writesTensorBoard = !noTensorboard
        // What was said so far reaches a log file now, not with the first progress line (which flushes too).
        fflush(nil)
        let display = ProgressDisplay(logEvery: run.training.logEvery)
        let summary = RunSummary(window: run.training.hasStepLimit ? max(1, run.training.iterations / 10) : nil)
        let outcome: TrainingRun.Outcome
        do {
            let hashLog = replicaHashLog.map { ReplicaHashLog(path: $0, rank: communicator.rank) }
            outcome = try run.run(stopRequested: { StopSignals.received != nil }) { progress in
                display.show(progress)
                summary.add(progress.metrics)
                hashLog?.record(step: progress.step, trainer: run.trainer)
            }
            try hashLog?.write()
        } catch {
            display.finish()
            throw error
        }
        display.finish()
        if outcome == .stopped {
            // Under mpirun a signal may reach another process only: all stop at the same step,
            // and end as that process does.
            let signal = StopSignals.received ?? SIGTERM
            (communicator as? MPICommunicator)?.finish()
            print("stopped at step \(run.step)" + (StopSignals.received == nil ? " (another process of the job was asked to stop)" : "")
                  + ": checkpoint \(run.lastCheckpoint ?? "?"); continue with dcgan train --resume \(run.folder.path)")
            throw ExitCode(128 + signal)
        }
        if case .unhealthy(let reason) = outcome {
            (communicator as? MPICommunicator)?.finish()
            print("stopped at step \(run.step): \(reason); checkpoint \(run.lastCheckpoint ?? "?")")
            throw ExitCode(Self.unhealthyExitStatus)
        }
        if run.step < run.training.iterations { print("the time budget ran out at step \(run.step)") }
        summary.print(run: run)
        print("done: samples in \(run.folder.samplesFolder), checkpoints in \(run.folder.checkpointsFolder)")
        (communicator as? MPICommunicator)?.finish()
    }

    /// The exit status of a run that `--stop-on-collapse` ended: not 0, so that a script sees that
    /// the run failed, and none of argument-parser's (1, 64) or the signals' (128 + n).
    static let unhealthyExitStatus: Int32 = 3

    /// The training images the settings name, printing what loading had to say once.
    private static func loadData(_ training: TrainingConfig, _ model: ModelConfig) throws -> ImageDataset {
        let shape = model.sampleShape
        let loaded = try DatasetCatalog.load(name: training.dataset, root: training.dataRoot, imageSize: shape[2],
                                             channels: shape[0], options: training.datasetOptions())
        for note in loaded.notes { print(note) }
        return loaded.training
    }

    private func trainingConfig(base: TrainingConfig, architecture: Architecture, datasetCount: Int) throws -> TrainingConfig {
        var t = base
        t.batchSize = batchSize ?? t.batchSize
        if let optimizer {
            guard let kind = TrainingConfig.OptimizerKind(rawValue: optimizer) else { throw ConfigError("unknown optimizer '\(optimizer)' (adam, rmsprop or sgd)") }
            t.optimizer = kind
        }
        if let noise {
            guard let kind = TrainingConfig.NoiseKind(rawValue: noise) else { throw ConfigError("unknown noise '\(noise)' (uniform or normal)") }
            t.noise = kind
        }
        if let loss {
            guard let kind = GANLoss(rawValue: loss) else {
                throw ConfigError("unknown loss '\(loss)' (\(GANLoss.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            t.loss = kind
        }
        t.weightClip = weightClip
        (t.learningRateD, t.learningRateG) = (lrD ?? t.learningRateD, lrG ?? t.learningRateG)
        t.learningRate = lr ?? t.learningRate
        // RMSprop keeps its own pair of rates (config.json records them); --lr sets both.
        if let lr, t.optimizer == .rmsprop { (t.rmspropLearningRateD, t.rmspropLearningRateG) = (lr, lr) }
        // ... and --lr-d / --lr-g each one of them, so that the pair config.json shows is the one used.
        if t.optimizer == .rmsprop { (t.rmspropLearningRateD, t.rmspropLearningRateG) = (lrD ?? t.rmspropLearningRateD, lrG ?? t.rmspropLearningRateG) }
        t.beta1 = beta1 ?? t.beta1
        t.discriminatorSteps = dSteps ?? t.discriminatorSteps
        t.realLabel = realLabel
        t.labelNoise = labelNoise
        t.sampleEvery = sampleEvery ?? t.sampleEvery
        t.checkpointEvery = checkpointEvery ?? t.checkpointEvery
        t.logEvery = logEvery ?? t.logEvery
        t.keepLast = keepLast
        t.evaluateEvery = evalEvery ?? t.evaluateEvery
        t.evaluationSamples = evalSamples ?? t.evaluationSamples
        t.stopOnCollapse = stopOnCollapse ? true : nil
        t.minutes = minutes
        t.generatorEMA = generatorEMA ?? t.generatorEMA
        t.augment = augment ?? t.augment
        if let iterations {
            t.iterations = iterations
        } else if epochs == nil && minutes != nil {
            t.iterations = TrainingConfig.untilTimeIsUp
        } else if epochs != nil || t.iterations == 0 {
            let passes = epochs ?? architecture.defaultEpochs
            t.iterations = passes * (datasetCount / t.batchSize) / t.discriminatorSteps
        }
        try t.validate()
        return t
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: Date())
    }
}
