import DCGANLayers
import DCGANTensor

/// What one training iteration measured.
public struct StepMetrics: Sendable, Equatable {
    /// D's loss on real plus its loss on fake images (as PyTorch's example reports errD).
    public var lossD: Float
    /// G's non-saturating loss, -log D(G(z)).
    public var lossG: Float
    /// Mean D output (probability) on real images.
    public var dReal: Float
    /// Mean D output on fakes before D's update, and after it (in G's step).
    public var dFakeBefore: Float
    public var dFakeAfter: Float

    public var isFinite: Bool { [lossD, lossG, dReal, dFakeBefore, dFakeAfter].allSatisfy(\.isFinite) }
}

/// Owns the two networks and their optimisers and performs the alternating updates of
/// Goodfellow et al.'s Algorithm 1 with the non-saturating generator loss.
///
/// Real and fake images go through D in separate batches (mixing them breaks BatchNorm);
/// D's gradients from both accumulate before its update; for G's step D is frozen but still
/// back-propagates to its input.
public final class GANTrainer {
    public let model: ModelConfig
    public let training: TrainingConfig
    public let generator: Sequential
    public let discriminator: Sequential
    public let optimizerG: Optimizer
    public let optimizerD: Optimizer
    /// The stream that z and label noise come from; saved in checkpoints.
    public var noiseRNG: RandomGenerator

    private let noise: Tensor
    private let targets: Tensor
    private let logitGradient: Tensor

    public init(model: ModelConfig, training: TrainingConfig) throws {
        try model.validate()
        try training.validate()
        self.model = model
        self.training = training
        generator = DCGAN.generator(model)
        discriminator = DCGAN.discriminator(model)
        var initRNG = RandomGenerator(seed: training.seed)
        Initializer.dcgan(generator.parameters, rng: &initRNG)
        Initializer.dcgan(discriminator.parameters, rng: &initRNG)
        noiseRNG = RandomGenerator(seed: training.seed &+ 0x5EED)
        switch training.optimizer {
        case .adam:
            optimizerG = Adam(generator.parameters, learningRate: training.learningRate, beta1: training.beta1, beta2: training.beta2)
            optimizerD = Adam(discriminator.parameters, learningRate: training.learningRate, beta1: training.beta1, beta2: training.beta2)
        case .rmsprop:
            optimizerG = RMSprop(generator.parameters, learningRate: training.rmspropLearningRateG,
                                 clipValue: training.rmspropClip, decay: training.rmspropDecay)
            optimizerD = RMSprop(discriminator.parameters, learningRate: training.rmspropLearningRateD,
                                 clipValue: training.rmspropClip, decay: training.rmspropDecay)
        }
        let batch = training.batchSize
        noise = Tensor(zeros: [batch, model.nz, 1, 1])
        targets = Tensor(zeros: [batch])
        logitGradient = Tensor(zeros: [batch])
    }

    /// Fills `z` from the configured latent distribution.
    public func sampleNoise(into z: Tensor, rng: inout RandomGenerator) {
        switch training.noise {
        case .uniform: rng.fillUniform(z, -1, 1)
        case .normal: rng.fillNormal(z)
        }
    }

    /// One iteration: `discriminatorSteps` D updates, each on the next real batch that
    /// `nextRealBatch` returns ([batch, C, H, W] in [-1, 1]), then one G update.
    public func step(nextRealBatch: () -> Tensor) -> StepMetrics {
        var metrics = StepMetrics(lossD: 0, lossG: 0, dReal: 0, dFakeBefore: 0, dFakeAfter: 0)
        var fake = noise
        for _ in 0..<training.discriminatorSteps {
            discriminator.zeroGradients()
            let real = nextRealBatch()
            let lossReal = discriminatorPass(real, target: training.realLabel, addLabelNoise: true, mean: &metrics.dReal)
            sampleNoise(into: noise, rng: &noiseRNG)
            fake = generator.forward(noise)
            let lossFake = discriminatorPass(fake, target: 0, addLabelNoise: true, mean: &metrics.dFakeBefore)
            optimizerD.step()
            metrics.lossD = lossReal + lossFake
        }
        generator.zeroGradients()
        discriminator.setFrozen(true)
        metrics.lossG = discriminatorPass(fake, target: 1, addLabelNoise: false, mean: &metrics.dFakeAfter,
                                          inputGradient: { self.generator.backward($0, inputGradientNeeded: false) })
        discriminator.setFrozen(false)
        optimizerG.step()
        return metrics
    }

    /// D forward, BCE-with-logits against a constant target, D backward. Returns the loss and
    /// stores the mean probability D gave; hands dL/d(images) to `inputGradient` if given.
    private func discriminatorPass(_ images: Tensor, target: Float, addLabelNoise: Bool, mean: inout Float,
                                   inputGradient: ((Tensor) -> Void)? = nil) -> Float {
        let logits = discriminator.forward(images)
        for i in 0..<targets.count {
            var t = target
            if addLabelNoise && training.labelNoise > 0 {
                t = min(max(t + noiseRNG.normal(std: training.labelNoise), 0), 1)
            }
            targets[i] = t
        }
        let loss = LossKernel.bceWithLogits(logits: logits, targets: targets, gradient: logitGradient)
        var total: Float = 0
        for i in 0..<logits.count { total += stableSigmoid(logits[i]) }
        mean = total / Float(logits.count)
        let gradient = discriminator.backward(logitGradient, inputGradientNeeded: inputGradient != nil)
        inputGradient?(gradient)
        return loss
    }

    /// Images from G for the given noise, using BatchNorm's running statistics (evaluation
    /// mode) unless `batchStatistics`; the running statistics are left untouched either way.
    public func generate(_ z: Tensor, batchStatistics: Bool = false) -> Tensor {
        let saved = generator.buffers.map { $0.tensor.copy() }
        generator.setTraining(batchStatistics)
        let images = generator.forward(z)
        generator.setTraining(true)
        for (buffer, copy) in zip(generator.buffers, saved) { buffer.tensor.assign(from: copy) }
        return images
    }
}
