import DCGANLayers
import DCGANTensor

/// The paper's generator and discriminator for any supported image size, unconditional or
/// conditional.
public enum DCGAN {
    /// G: z [N, nz, 1, 1] is projected to a base x base map with many channels by a transposed
    /// convolution (the "project and reshape" of the paper, as PyTorch's example does it), then
    /// transposed convolutions (4, stride 2, padding 1) double the size while halving channels.
    /// BatchNorm + ReLU after every layer but the output, which is Tanh.
    /// For 64x64: nz -> 4x4x8ngf -> 8x8x4ngf -> 16x16x2ngf -> 32x32xngf -> 64x64xC.
    ///
    /// With a `condition`, the one-hot label is joined to the input of every convolution (to z
    /// and to each feature map, broadcast over H x W), as the paper's conditional MNIST model
    /// (supplement 8.1) joins it to every layer.
    public static func generator(_ config: ModelConfig, condition: ClassCondition? = nil) -> Sequential {
        let (base, doublings) = config.ladder!
        var widths = (0..<doublings).map { config.ngf << (doublings - 1 - $0) }  // 8ngf, 4ngf, 2ngf, ngf
        let extra = condition?.classes ?? 0
        var layers: [Layer] = labelJoin(condition) + [
            ConvTranspose2d(config.nz + extra, widths[0], kernel: base, stride: 1, padding: 0, bias: false),
            BatchNorm(widths[0], affine: config.batchNormAffine), Activation(.relu, inPlace: true),
        ]
        widths.append(config.channels)
        for index in 1..<widths.count {
            layers += labelJoin(condition)
            layers.append(ConvTranspose2d(widths[index - 1] + extra, widths[index], kernel: 4, stride: 2, padding: 1, bias: false))
            if index == widths.count - 1 {
                layers.append(Activation(.tanh, inPlace: true))
            } else {
                layers += [BatchNorm(widths[index], affine: config.batchNormAffine), Activation(.relu, inPlace: true)]
            }
        }
        return Sequential(layers, name: "G")
    }

    /// D: the mirror image: strided convolutions (4, stride 2, padding 1) halve the size while
    /// doubling channels, LeakyReLU(0.2) throughout, BatchNorm on every layer but the input;
    /// a last convolution over the whole base x base map gives one logit per image.
    /// The sigmoid is folded into the loss (binary cross-entropy on logits) for stability.
    /// With a `condition`, the label is joined to the input of every convolution. With
    /// `config.spectralNorm`, every convolution is wrapped in `SpectralNorm` (BatchNorm stays);
    /// its u and v come from a fixed stream here, and `GANTrainer(model:training:)` draws
    /// them again from the run's seed.
    public static func discriminator(_ config: ModelConfig, condition: ClassCondition? = nil) -> Sequential {
        let (base, doublings) = config.ladder!
        let widths = [config.channels] + (0..<doublings).map { config.ndf << $0 }  // C, ndf, 2ndf, 4ndf, 8ndf
        let extra = condition?.classes ?? 0
        var layers: [Layer] = []
        var vectors = RandomGenerator(seed: 0)
        func convolution(_ layer: Conv2d) -> Layer { config.spectralNorm == true ? SpectralNorm(layer, rng: &vectors) : layer }
        for (index, (from, to)) in zip(widths, widths.dropFirst()).enumerated() {
            layers += labelJoin(condition)
            layers.append(convolution(Conv2d(from + extra, to, kernel: 4, stride: 2, padding: 1, bias: false)))
            if index > 0 { layers.append(BatchNorm(to, affine: config.batchNormAffine)) }
            layers.append(Activation(.leakyReLU(slope: 0.2), inPlace: true))
        }
        layers += labelJoin(condition)
        layers.append(convolution(Conv2d(widths.last! + extra, 1, kernel: base, stride: 1, padding: 0, bias: false)))
        layers.append(Reshape([1]))
        return Sequential(layers, name: "D")
    }
}

/// The fully connected GAN of "Make Your Own GAN" (its improved MNIST version): LeakyReLU(0.02)
/// and LayerNorm between two linear layers in each network. The book's G ends in a sigmoid for
/// [0, 1] pixels and its D in a sigmoid before BCE; here G ends in Tanh (this tool's pixels are
/// in [-1, 1]) and D's sigmoid is folded into the loss. A conditional pair joins the one-hot
/// label to each network's input, as the book's conditional GAN does.
public enum MLPGAN {
    /// z [N, nz] -> hidden -> C x S x S image.
    public static func generator(_ config: ModelConfig, condition: ClassCondition? = nil) -> Sequential {
        let pixels = config.sampleShape.reduce(1, *)
        let layers: [Layer] = labelJoin(condition) + [
            Linear(config.nz + (condition?.classes ?? 0), config.hidden), Activation(.leakyReLU(slope: 0.02)), LayerNorm(config.hidden),
            Linear(config.hidden, pixels), Activation(.tanh), Reshape(config.sampleShape),
        ]
        return Sequential(layers, name: "G")
    }

    /// Image -> flattened -> hidden -> one logit.
    public static func discriminator(_ config: ModelConfig, condition: ClassCondition? = nil) -> Sequential {
        let pixels = config.sampleShape.reduce(1, *)
        let layers: [Layer] = [Reshape([pixels])] + labelJoin(condition) + [
            Linear(pixels + (condition?.classes ?? 0), config.hidden), Activation(.leakyReLU(slope: 0.02)), LayerNorm(config.hidden),
            Linear(config.hidden, 1),
        ]
        return Sequential(layers, name: "D")
    }
}

/// The book's first GAN, which learns the pattern 1010: G maps a 1-d input through 3 sigmoid
/// units to 4 values, D maps 4 values through 3 sigmoid units to a sigmoid output, trained
/// with mean squared error and plain SGD. G's output is Tanh rather than the book's sigmoid
/// because this tool's patterns are in [-1, 1] (0 -> -1, 1 -> 1).
public enum Toy1010GAN {
    /// The generator `config` describes, with the DCGAN initialisation (weights N(0, 0.02)).
    public static func generator(_ config: ModelConfig) -> Sequential {
        Sequential([Linear(config.nz, config.hidden), Activation(.sigmoid), Linear(config.hidden, 4), Activation(.tanh), Reshape([1, 1, 4])],
                   name: "G")
    }

    /// The discriminator `config` describes, with the DCGAN initialisation.
    public static func discriminator(_ config: ModelConfig) -> Sequential {
        Sequential([Reshape([4]), Linear(4, config.hidden), Activation(.sigmoid), Linear(config.hidden, 1), Activation(.sigmoid)], name: "D")
    }
}

/// A `JoinLabels` layer for a conditional network, nothing for an unconditional one.
private func labelJoin(_ condition: ClassCondition?) -> [Layer] { condition.map { [JoinLabels($0)] } ?? [] }
