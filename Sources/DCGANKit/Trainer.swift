import DCGANData
import DCGANLayers
import DCGANTensor

/// What one training iteration measured.
public struct StepMetrics: Sendable, Equatable {
    /// D's loss on real plus its loss on fake images (as PyTorch's example reports errD).
    public var lossD: Float
    /// G's loss (for the paper's loss, the non-saturating -log D(G(z))).
    public var lossG: Float
    /// Mean D output on real images: a probability for the cross-entropy loss, the raw score
    /// for the others (see `GANLoss.meanOutput`).
    public var dReal: Float
    /// Mean D output on fakes before D's update, and after it (in G's step).
    public var dFakeBefore: Float
    /// Mean D output on fakes after D's update, measured in G's step.
    public var dFakeAfter: Float

    /// The metrics of a step (a trainer reports them; tests and tools replaying metrics.csv make them).
    public init(lossD: Float, lossG: Float, dReal: Float, dFakeBefore: Float, dFakeAfter: Float) {
        (self.lossD, self.lossG, self.dReal, self.dFakeBefore, self.dFakeAfter) = (lossD, lossG, dReal, dFakeBefore, dFakeAfter)
    }

    /// Whether every value is a finite number (false once training diverges).
    public var isFinite: Bool { [lossD, lossG, dReal, dFakeBefore, dFakeAfter].allSatisfy(\.isFinite) }
}

/// The knobs of the alternating updates that are not the networks, optimisers or loss.
public struct TrainerOptions: Sendable, Equatable {
    /// D updates per G update (k in Goodfellow et al.'s Algorithm 1).
    public var discriminatorSteps = 1
    /// Target for real images in target-based losses (0.9: one-sided label smoothing).
    public var realLabel: Float = 1
    /// Standard deviation of Gaussian noise added to D's targets (the Keras tutorial's trick).
    public var labelNoise: Float = 0
    /// The Wasserstein critic's weight-clipping bound c.
    public var weightClip: Float = 0.01

    /// Options with the paper's settings by default.
    public init(discriminatorSteps: Int = 1, realLabel: Float = 1, labelNoise: Float = 0, weightClip: Float = 0.01) {
        (self.discriminatorSteps, self.realLabel, self.labelNoise, self.weightClip) = (discriminatorSteps, realLabel, labelNoise, weightClip)
    }
}

/// Trains any generator and discriminator against each other: the alternating updates of
/// Goodfellow et al.'s Algorithm 1 with an injected loss, latent sampler and optimisers.
///
/// Real and fake images go through D in separate batches (mixing them breaks BatchNorm); D's
/// gradients from both accumulate before its update; for G's step D is frozen but still
/// back-propagates to its input. A conditional pair shares one `ClassCondition`: fakes are
/// made for the labels of the real batch (as the paper's conditional code does), so classes
/// appear as often as in the data.
public final class GANTrainer {
    /// G: maps latent vectors (and labels) to images in [-1, 1].
    public let generator: Layer
    /// D: maps images (and labels) to one logit each.
    public let discriminator: Layer
    /// Updates G's parameters.
    public let optimizerG: Optimizer
    /// Updates D's parameters.
    public let optimizerD: Optimizer
    /// The adversarial loss both networks are trained with.
    public let loss: GANLoss
    /// Where z comes from.
    public let latent: LatentSampler
    /// The labels both networks join to their inputs; nil for an unconditional pair.
    public let condition: ClassCondition?
    /// D steps per G step, label smoothing and noise, weight clip.
    public let options: TrainerOptions
    /// The stream that z and label noise come from; saved in checkpoints.
    public var noiseRNG: RandomGenerator
    /// The processes sharing each batch (`distribute(over:syncBatchNorm:)`); alone by default.
    public internal(set) var communicator: Communicator = SingleProcess()
    /// Differentiable augmentation of every image D sees, real or fake (`--augment`); nil: none.
    public var augmentation: DiffAugment?
    /// G's and D's gradient averaging over the processes, when there are several.
    var gradientAverages: [GradientAverage] = []
    /// The moving average of G's weights (`keepGeneratorAverage`), updated after every G step;
    /// nil when none is kept.
    public private(set) var generatorAverage: WeightAverage?
    /// Whether `generate` (and whatever else draws with `sampler`) uses the weight average when
    /// one is kept; false draws with G itself (`dcgan sample --no-ema`).
    public var samplesFromAverage = true
    /// The network that makes samples: the average of G's weights when one is kept and
    /// `samplesFromAverage`, else G.
    public var sampler: Layer { samplesFromAverage ? generatorAverage?.average ?? generator : generator }

    private var noise = ReusableTensor(), targets = ReusableTensor(), scoreGradient = ReusableTensor()

    /// A trainer over the given parts. The networks must fit: G maps [N] + latent.sampleShape
    /// to what D takes, and D gives one score per image.
    public init(generator: Layer, discriminator: Layer, optimizerG: Optimizer, optimizerD: Optimizer, loss: GANLoss = .nonSaturating,
                latent: LatentSampler, condition: ClassCondition? = nil, options: TrainerOptions = TrainerOptions(), seed: UInt64) {
        precondition(options.discriminatorSteps >= 1, "at least one D step per G step")
        self.generator = generator
        self.discriminator = discriminator
        self.optimizerG = optimizerG
        self.optimizerD = optimizerD
        self.loss = loss
        self.latent = latent
        self.condition = condition
        self.options = options
        noiseRNG = RandomGenerator(seed: seed)
    }

    /// One iteration: `discriminatorSteps` D updates, each on the next real batch that
    /// `nextRealBatch` returns, then one G update on the last fakes.
    public func step(nextRealBatch: () -> LabeledBatch) -> StepMetrics {
        var metrics = StepMetrics(lossD: 0, lossG: 0, dReal: 0, dFakeBefore: 0, dFakeAfter: 0)
        var fake: Tensor?
        for _ in 0..<options.discriminatorSteps {
            discriminator.zeroGradients()
            let real = nextRealBatch()
            setLabels(real.labels, count: real.images.shape[0])
            let lossReal = discriminatorPass(real.images, role: .real, mean: &metrics.dReal)
            let z = noise.get([real.images.shape[0]] + latent.sampleShape)
            fillLatent(z)
            let images = generator.forward(z)
            fake = images
            let lossFake = discriminatorPass(images, role: .fake, mean: &metrics.dFakeBefore)
            averageGradients(ofNetwork: 1)
            optimizerD.step()
            if loss == .wasserstein { clipDiscriminatorWeights() }
            metrics.lossD = lossReal + lossFake
        }
        generator.zeroGradients()
        discriminator.setFrozen(true)
        metrics.lossG = discriminatorPass(fake!, role: .generator, mean: &metrics.dFakeAfter,
                                          inputGradient: { self.generator.backward($0, inputGradientNeeded: false) })
        discriminator.setFrozen(false)
        averageGradients(ofNetwork: 0)
        optimizerG.step()
        generatorAverage?.update()
        return globalMetrics(metrics)
    }

    /// From now on keeps an exponential moving average of G's weights in `copy`, a network of
    /// G's architecture (sharing G's class condition), which starts as G (see `WeightAverage`).
    public func keepGeneratorAverage(in copy: Layer, decay: Float) {
        generatorAverage = WeightAverage(of: generator, in: copy, decay: decay)
    }

    /// D forward, the loss for `role`, D backward. Returns the loss and stores D's mean
    /// output; hands dL/d(images) to `inputGradient` if given.
    private func discriminatorPass(_ images: Tensor, role: GANLoss.Role, mean: inout Float,
                                   inputGradient: ((Tensor) -> Void)? = nil) -> Float {
        augmentation?.share = (communicator.rank, communicator.size)
        let scores = discriminator.forward(augmentation?.forward(images) ?? images)
        let t = targets.get(scores.shape), gradient = scoreGradient.get(scores.shape)
        if loss.usesTargets {
            let target = loss.target(for: role, realLabel: options.realLabel)
            // Every process draws the label noise of the whole batch and keeps its own share,
            // as `fillLatent` does with z.
            let first = communicator.rank * t.count
            for i in 0..<t.count * communicator.size {
                // Label noise perturbs D's targets only; G always aims at "real".
                let noisy = role != .generator && options.labelNoise > 0 ? target + noiseRNG.normal(std: options.labelNoise) : target
                if i >= first && i < first + t.count { t[i - first] = min(max(noisy, 0), 1) }
            }
        }
        let value = loss.value(scores: scores, role: role, targets: t, gradient: gradient)
        mean = loss.meanOutput(scores)
        let dx = discriminator.backward(gradient, inputGradientNeeded: inputGradient != nil)
        // G's gradient goes back through the augmentation (its adjoint) to G's images.
        if let inputGradient { inputGradient(augmentation?.backward(dx) ?? dx) }
        return value
    }

    private func setLabels(_ labels: [Int]?, count: Int) {
        guard let condition else { return }
        guard let labels, labels.count == count else { preconditionFailure("a conditional GAN needs one label per real image") }
        condition.set(labels: labels)
    }

    /// WGAN's Lipschitz constraint: every critic weight back into [-c, c].
    private func clipDiscriminatorWeights() {
        let c = options.weightClip
        for p in discriminator.parameters {
            for i in 0..<p.value.count { p.value[i] = min(max(p.value[i], -c), c) }
        }
    }

    /// Images from `sampler` (G, or the average of its weights) for the latent vectors `z`
    /// (and, for a conditional G, one class per vector), using BatchNorm's running statistics
    /// (evaluation mode) unless `batchStatistics` (this process's batch alone, in a
    /// data-parallel run); the running statistics are left untouched either way.
    public func generate(_ z: Tensor, labels: [Int]? = nil, batchStatistics: Bool = false) -> Tensor {
        if let condition {
            precondition(labels?.count == z.shape[0], "a conditional generator needs one label per latent vector")
            condition.set(labels: labels!)
        }
        let network = sampler
        let saved = network.buffers.map { $0.tensor.copy() }
        network.setTraining(batchStatistics)
        // With the running statistics, BatchNorm and the activation after it fold into the convolution.
        let folding = batchStatistics ? nil : network as? Sequential
        let images = withLocalBatchNorm { folding?.infer(z) ?? network.forward(z) }
        network.setTraining(true)
        for (buffer, copy) in zip(network.buffers, saved) { buffer.tensor.assign(from: copy) }
        return images
    }
}
