import DCGANLayers
import DCGANTensor

extension GANTrainer {
    /// The trainer a `dcgan train` run uses: the networks of the model family `model` names
    /// (conditional when it has classes), initialised as that family's source does
    /// (`ModelZoo.initialize`), with the
    /// optimisers, loss and latent distribution that `training` names. The same settings
    /// always build the same trainer.
    public convenience init(model: ModelConfig, training: TrainingConfig) throws {
        try model.validate()
        try training.validate()
        if model.architecture.usesBatchNorm && training.batchSize < 2 {
            throw ConfigError("batch size must be at least 2 for the \(model.architecture.rawValue) model (BatchNorm needs a batch), not \(training.batchSize)")
        }
        let (generator, discriminator, condition) = ModelZoo.networks(for: model)
        var rng = RandomGenerator(seed: training.seed)
        ModelZoo.initialize(generator, for: model.architecture, rng: &rng)
        ModelZoo.initialize(discriminator, for: model.architecture, rng: &rng)
        if model.spectralNorm == true {
            var vectors = RandomGenerator(seed: training.seed &+ 0x5BEC)
            for case let layer as SpectralNormalized in discriminator.layers { layer.resetVectors(rng: &vectors) }
        }
        let latent: LatentSampler = training.noise == .uniform ? UniformLatent(sampleShape: model.latentShape)
            : NormalLatent(sampleShape: model.latentShape)
        let options = TrainerOptions(discriminatorSteps: training.discriminatorSteps, realLabel: training.realLabel,
                                     labelNoise: training.labelNoise, weightClip: training.weightClip)
        self.init(generator: generator, discriminator: discriminator,
                  optimizerG: Self.optimizer(for: generator.parameters, training, isGenerator: true),
                  optimizerD: Self.optimizer(for: discriminator.parameters, training, isGenerator: false),
                  loss: training.loss, latent: latent, condition: condition, options: options, seed: training.seed &+ 0x5EED)
        if let decay = training.generatorEMA {
            keepGeneratorAverage(in: ModelZoo.generator(for: model, condition: condition), decay: decay)
        }
        if let operations = try training.augmentOperations() {
            augmentation = DiffAugment(operations, rng: RandomGenerator(seed: training.seed &+ 0xA06E))
        }
    }

    private static func optimizer(for parameters: [Parameter], _ training: TrainingConfig, isGenerator: Bool) -> Optimizer {
        let rate = training.learningRate(generator: isGenerator)
        return switch training.optimizer {
        case .adam: Adam(parameters, learningRate: rate, beta1: training.beta1, beta2: training.beta2)
        case .rmsprop: RMSprop(parameters, learningRate: rate, clipValue: training.rmspropClip, decay: training.rmspropDecay)
        case .sgd: SGD(parameters, learningRate: rate)
        }
    }
}

/// The networks of each model family, by configuration.
public enum ModelZoo {
    /// G and D (uninitialised) of a valid configuration, and the class condition they share
    /// when it is conditional.
    public static func networks(for model: ModelConfig) -> (generator: Sequential, discriminator: Sequential, condition: ClassCondition?) {
        let condition = model.isConditional ? ClassCondition(classes: model.classes) : nil
        return (generator(for: model, condition: condition), discriminator(for: model, condition: condition), condition)
    }

    /// G alone (`condition` is ignored by the unconditional toy and tutorial models).
    public static func generator(for model: ModelConfig, condition: ClassCondition?) -> Sequential {
        switch model.architecture {
        case .dcgan: DCGAN.generator(model, condition: condition)
        case .mlp: MLPGAN.generator(model, condition: condition)
        case .toy1010: Toy1010GAN.generator(model)
        case .kerasCIFAR10: TutorialModels.kerasCIFAR10Generator(model)
        case .upsampleELU: TutorialModels.upsampleELUGenerator(model)
        case .cntkMNIST: TutorialModels.cntkMNISTGenerator(model)
        }
    }

    /// D alone.
    public static func discriminator(for model: ModelConfig, condition: ClassCondition?) -> Sequential {
        switch model.architecture {
        case .dcgan: DCGAN.discriminator(model, condition: condition)
        case .mlp: MLPGAN.discriminator(model, condition: condition)
        case .toy1010: Toy1010GAN.discriminator(model)
        case .kerasCIFAR10: TutorialModels.kerasCIFAR10Discriminator(model)
        case .upsampleELU: TutorialModels.upsampleELUDiscriminator(model)
        case .cntkMNIST: TutorialModels.cntkMNISTDiscriminator(model)
        }
    }

    /// Initialises `network` as its family's source does: the paper's N(0, 0.02) for the
    /// DCGAN, PyTorch's defaults for the book's models, Keras's glorot_uniform for the Keras
    /// tutorials' and CNTK's normal(0.02) for CNTK's.
    public static func initialize(_ network: Layer, for architecture: Architecture, rng: inout RandomGenerator) {
        switch architecture {
        case .dcgan: Initializer.dcgan(network.parameters, rng: &rng)
        case .mlp, .toy1010: Initializer.pytorchDefault(network, rng: &rng)
        case .kerasCIFAR10, .upsampleELU: Initializer.glorotUniform(network, rng: &rng)
        case .cntkMNIST: Initializer.normalWeights(network.parameters, rng: &rng)
        }
    }
}
