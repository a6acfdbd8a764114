import DCGANData
import DCGANLayers

/// Every training setting that is not the model's shape. Saved in `config.json` and in
/// checkpoints so that a run can be resumed and reproduced.
public struct TrainingConfig: Codable, Equatable, Sendable {
    /// The optimiser of both networks: Adam (the paper's), RMSprop (the Keras tutorial's) or SGD.
    public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
        /// Adam, the paper's (2e-4, beta1 0.5).
        case adam
        /// RMSprop with gradient clipping and decay, the Keras tutorial's.
        case rmsprop
        /// Plain stochastic gradient descent, the book's toy's.
        case sgd
    }
    /// The distribution of z: uniform in [-1, 1] (the paper's) or standard normal.
    public enum NoiseKind: String, Codable, Sendable, CaseIterable {
        /// Uniform in [-1, 1], the paper's.
        case uniform
        /// Standard normal.
        case normal
    }

    /// The `Recipe` the run started from, when not the paper's (nil): `--recipe improved`.
    public var recipe: String?
    /// Which dataset the run reads and where (kept so that `--resume` can reload it).
    public var dataset = "fashion-mnist"
    /// The folder (or file) the dataset is read from.
    public var dataRoot = "/usr/share/datasets/fashion-mnist"
    /// Which images of the dataset are used (`--split`, `--classes`, `--holdout`, `--hdf5-key`). Optional
    /// so that configurations written before they existed still decode; nil means the
    /// default (training split, every class, no hold-out).
    public var split: String?
    /// The class filter (`--classes`); nil keeps every class.
    public var classes: String?
    /// Fraction of the images kept out of training (`--holdout`); nil means none.
    public var holdout: Double?
    /// The array an `hdf5` dataset reads (`--hdf5-key`); nil means "images".
    public var hdf5Key: String?
    /// Images per batch.
    public var batchSize = 128
    /// The optimiser of both networks.
    public var optimizer = OptimizerKind.adam
    /// The adversarial loss (the paper's cross-entropy by default).
    public var loss = GANLoss.nonSaturating
    /// The Wasserstein critic's weight-clipping bound (used with `loss == .wasserstein`).
    public var weightClip: Float = 0.01
    /// Adam or SGD learning rate (both networks), the paper's 0.0002.
    public var learningRate: Float = 2e-4
    /// Adam's first-moment decay (the paper's 0.5).
    public var beta1: Float = 0.5
    /// Adam's second-moment decay.
    public var beta2: Float = 0.999
    /// RMSprop learning rates of the Keras tutorial (D, and G through the stacked model).
    public var rmspropLearningRateD: Float = 8e-4
    /// RMSprop's learning rate for G.
    public var rmspropLearningRateG: Float = 4e-4
    /// RMSprop's gradient clip value.
    public var rmspropClip: Float = 1.0
    /// RMSprop's learning-rate decay per step.
    public var rmspropDecay: Float = 1e-8
    /// Discriminator steps per generator step (k in Goodfellow et al.'s Algorithm 1).
    public var discriminatorSteps = 1
    /// Target for real images in D's loss (0.9: one-sided label smoothing).
    public var realLabel: Float = 1.0
    /// Standard deviation of Gaussian noise added to D's targets (the Keras tutorial's trick).
    public var labelNoise: Float = 0
    /// Distribution of z: the paper's uniform in [-1, 1], or the tutorials' normal.
    public var noise = NoiseKind.uniform
    /// Seeds initialisation, data order and noise: the same seed and thread count give the same run.
    public var seed: UInt64 = 1
    /// How many processes share each batch (`mpirun -np P`); nil (configurations written
    /// before data parallelism) means 1. A run resumes only with the same count.
    public var processes: Int?
    /// Whether BatchNorm's training statistics cover the whole batch over all processes
    /// (`--sync-batch-norm`) rather than each process's share; nil means false.
    public var syncBatchNorm: Bool?
    /// Length of the run in generator steps.
    public var iterations = 0
    /// Write a fixed-noise sample grid every this many iterations (0: only at the end).
    public var sampleEvery = 100
    /// Write a checkpoint every this many iterations (0: only at the end).
    public var checkpointEvery = 200
    /// Print a log line every this many iterations when the output is not a terminal.
    public var logEvery = 50
    /// Keep only the newest this many checkpoints (nil or 0: keep every one). Optional so that
    /// configurations written before it existed still decode.
    public var keepLast: Int?
    /// Score the generator every N steps into `metrics.csv` (`--eval-every`; nil or 0: never).
    /// Optional so that configurations written before it existed still decode.
    public var evaluateEvery: Int?
    /// Samples each of those evaluations generates (`--eval-samples`; nil: `defaultEvaluationSamples`).
    public var evaluationSamples: Int?
    /// Decay of the exponential moving average of G's weights (`--g-ema`, in (0, 1), with a
    /// warm-up: see `WeightAverage`); nil keeps no average. When kept, the average makes the
    /// run's samples, evaluations and what `dcgan sample` and the other commands draw.
    public var generatorEMA: Float?
    /// Differentiable augmentation of every image D sees (`--augment`): a comma list of
    /// `DiffAugment.Operation` names ("translation,cutout"); nil: off.
    public var augment: String?
    /// End the run with a checkpoint when the fixed-noise samples collapse or D wins outright
    /// (`--stop-on-collapse`, see `TrainingHealth`; nil: only warn). Optional so that
    /// configurations written before it existed still decode, and runs without it write what they did.
    public var stopOnCollapse: Bool?
    /// Few enough samples that an evaluation costs seconds, enough for stable trends.
    public static let defaultEvaluationSamples = 1000

    // Time budget and two time-scale learning rates (nil: off, the run is what it was without them).
    /// Wall-clock minutes the run trains for (`--minutes`), counted from its process's start
    /// (`TrainingRun.startedAt`); a resumed run gets a budget of its own. With a step limit as
    /// well, whichever comes first ends the run.
    public var minutes: Double?
    /// The longest time budget: about two years, far from overflowing a clock in nanoseconds.
    public static let maxMinutes = 1_000_000.0
    /// D's learning rate (`--lr-d`), overriding `learningRate` (RMSprop: `rmspropLearningRateD`).
    public var learningRateD: Float?
    /// G's learning rate (`--lr-g`), overriding `learningRate` (RMSprop: `rmspropLearningRateG`).
    public var learningRateG: Float?
    /// `iterations` of a run that only its time budget ends: no step limit in practice, and
    /// small enough that no count computed from it overflows.
    public static let untilTimeIsUp = Int(Int32.max)
    /// Whether `iterations` limits the run (false when only the time budget ends it).
    public var hasStepLimit: Bool { iterations < Self.untilTimeIsUp }
    /// The learning rate of G or D's optimiser: the network's own rate when set, else RMSprop's
    /// pair or the shared `learningRate`.
    public func learningRate(generator: Bool) -> Float {
        let own = generator ? learningRateG : learningRateD
        guard optimizer == .rmsprop else { return own ?? learningRate }
        return own ?? (generator ? rmspropLearningRateG : rmspropLearningRateD)
    }
    /// How long the run goes on, for messages: "500 iterations", "2 minutes", or both.
    public var lengthDescription: String {
        let steps = hasStepLimit ? "\(iterations) iterations" : nil
        let time = minutes.map { "\($0 == $0.rounded() && $0 < 1e9 ? String(Int($0)) : String($0)) minutes" }
        return [steps, time].compactMap { $0 }.joined(separator: " or ") + (steps != nil && time != nil ? ", whichever ends first" : "")
    }

    /// The paper's settings for Fashion-MNIST.
    public init() {}

    /// The settings each model family starts from: the paper's for the DCGAN; the book's for
    /// its MLP GAN (Adam 1e-4 with PyTorch's default betas, normal z, small batches: the book feeds one image at a time) and its 1010 toy (SGD
    /// 0.01, least squares, one pattern per step, 10,000 steps on generated patterns); each
    /// tutorial's for its own model (Keras CIFAR-10: RMSprop, normal z, batch 20; glyphs: D's
    /// Adam at 1e-5; CNTK: 2 D steps).
    public static func defaults(for architecture: Architecture) -> TrainingConfig {
        var t = TrainingConfig()
        switch architecture {
        case .dcgan: break
        case .mlp:
            (t.learningRate, t.beta1, t.noise, t.batchSize) = (1e-4, 0.9, .normal, 16)
        case .toy1010:
            (t.dataset, t.dataRoot, t.optimizer, t.learningRate, t.loss, t.batchSize) = ("pattern1010", "", .sgd, 0.01, .leastSquares, 1)
            (t.iterations, t.sampleEvery, t.checkpointEvery, t.logEvery) = (10_000, 1_000, 2_000, 1_000)
        case .kerasCIFAR10:
            // RMSprop 8e-4 (D) / 4e-4 (G), clip 1.0, decay 1e-8 (the fields' defaults), normal z, batches of 20.
            (t.optimizer, t.noise, t.batchSize) = (.rmsprop, .normal, 20)
        case .upsampleELU:
            // G's Adam(2e-4, beta1 0.5) and the tutorial's uniform 4x4x4 z are the defaults; D's
            // rate is its 1e-5 (its beta1 0.1 has no per-network option: D shares G's 0.5). It
            // gives no batch size, so the tool's 128 stays.
            t.learningRateD = 1e-5
        case .cntkMNIST:
            // Adam 2e-4 with momentum 0.5 as beta1, minibatches of 128 (the defaults), k = 2 D steps per G step.
            t.discriminatorSteps = 2
        }
        return t
    }

    /// Checks settings that no type can rule out.
    public func validate() throws {
        guard batchSize >= 1 else { throw ConfigError("batch size must be at least 1, not \(batchSize)") }
        guard learningRate > 0, rmspropLearningRateD > 0, rmspropLearningRateG > 0, (learningRateD ?? 1) > 0, (learningRateG ?? 1) > 0 else {
            throw ConfigError("learning rates must be positive")
        }
        guard minutes.map({ $0 > 0 && $0 <= Self.maxMinutes }) ?? true else {
            throw ConfigError("--minutes must be in (0, \(Int(Self.maxMinutes))], not \(minutes ?? 0)")
        }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else { throw ConfigError("beta1 and beta2 must be in [0, 1)") }
        guard discriminatorSteps >= 1 else { throw ConfigError("discriminator steps must be at least 1") }
        guard (0...1).contains(realLabel) else { throw ConfigError("real label must be in [0, 1], not \(realLabel)") }
        guard labelNoise >= 0 else { throw ConfigError("label noise must not be negative") }
        guard weightClip > 0 else { throw ConfigError("the weight clip must be positive, not \(weightClip)") }
        guard iterations >= 1 else { throw ConfigError("the run must have at least one iteration") }
        guard sampleEvery >= 0, checkpointEvery >= 0, logEvery >= 1 else { throw ConfigError("intervals must not be negative") }
        guard (keepLast ?? 0) >= 0 else { throw ConfigError("--keep-last must not be negative, not \(keepLast ?? 0)") }
        guard (evaluateEvery ?? 0) >= 0 else { throw ConfigError("--eval-every must not be negative") }
        if let decay = generatorEMA, !(decay > 0 && decay < 1) { throw ConfigError("--g-ema must be in (0, 1), not \(decay)") }
        guard (evaluationSamples ?? 4) >= 4 else { throw ConfigError("--eval-samples must be at least 4 (precision and recall use 3 neighbours)") }
        let ranks = processes ?? 1
        guard ranks >= 1, batchSize % ranks == 0 else {
            throw ConfigError("--batch-size \(batchSize) does not split evenly over \(ranks) processes (it is the global batch; make it a multiple of \(ranks))")
        }
        _ = try datasetOptions()
        _ = try augmentOperations()
    }

    /// The operations `augment` names, nil when it is off; a one-line error names an unknown one.
    public func augmentOperations() throws -> [DiffAugment.Operation]? {
        guard let augment else { return nil }
        switch DiffAugment.operations(named: augment) {
        case .success(let operations): return operations
        case .failure(let unknown):
            throw ConfigError("unknown --augment operation '\(unknown.name)' (known: \(DiffAugment.Operation.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    /// The image selection these settings name, for `DatasetCatalog.load`; the hold-out
    /// shuffle follows the run's seed, so a resumed run holds out the same images.
    public func datasetOptions() throws -> DatasetOptions {
        guard let dataSplit = DataSplit(rawValue: split ?? "train") else { throw ConfigError("unknown split '\(split ?? "")' (train or test)") }
        let fraction = holdout ?? 0
        guard fraction >= 0 && fraction < 1 else { throw ConfigError("--holdout must be in [0, 1), not \(fraction)") }
        return DatasetOptions(split: dataSplit, classes: classes, holdout: fraction, hdf5Key: hdf5Key ?? "images", seed: seed)
    }
}
