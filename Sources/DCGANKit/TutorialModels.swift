import DCGANLayers
import DCGANTensor

/// The tutorials' own networks (`dcgan train --model keras-cifar10 | upsample-elu | cntk-mnist`),
/// layer for layer as the seed texts give them, so that their users can reproduce them.
///
/// Two things differ from every tutorial on purpose: D ends in a logit (its sigmoid is folded
/// into the binary cross-entropy, as for the DCGAN), and pixels are in [-1, 1] (this tool's
/// range). Keras's `padding='same'` is written as PyTorch's symmetric padding, which gives the
/// same sizes (for a stride-2 layer Keras pads one pixel more after than before).
/// Keras's `LeakyReLU()` has slope 0.3 unless told otherwise; CNTK's tutorial sets 0.2.
public enum TutorialModels {
    /// Keras's default LeakyReLU slope (`alpha=0.3`), which both Keras tutorials leave as it is.
    static let kerasLeak = ActivationKind.leakyReLU(slope: 0.3)

    /// The Keras CIFAR-10 generator (seed 000): z [N, nz] -> Dense(128*16*16) -> LeakyReLU ->
    /// Reshape 16x16x128 -> Conv 5x5 (256, same) -> LeakyReLU -> Conv2DTranspose 4x4 stride 2
    /// (256, same: 32x32) -> LeakyReLU -> Conv 5x5 (256) -> LeakyReLU -> Conv 5x5 (256) ->
    /// LeakyReLU -> Conv 7x7 (C, same) -> tanh. 6,264,579 parameters for 32x32x3 and z 32, as
    /// the tutorial's `generator.summary()` counts them.
    public static func kerasCIFAR10Generator(_ config: ModelConfig) -> Sequential {
        Sequential([
            Linear(config.nz, 128 * 16 * 16), Activation(kerasLeak, inPlace: true), Reshape([128, 16, 16]),
            Conv2d(128, 256, kernel: 5, padding: 2), Activation(kerasLeak, inPlace: true),
            ConvTranspose2d(256, 256, kernel: 4, stride: 2, padding: 1), Activation(kerasLeak, inPlace: true),
            Conv2d(256, 256, kernel: 5, padding: 2), Activation(kerasLeak, inPlace: true),
            Conv2d(256, 256, kernel: 5, padding: 2), Activation(kerasLeak, inPlace: true),
            Conv2d(256, config.channels, kernel: 7, padding: 3), Activation(.tanh, inPlace: true),
        ], name: "G")
    }

    /// The Keras CIFAR-10 discriminator: Conv 3x3 (128, valid: 30x30) -> LeakyReLU, then three
    /// Conv 4x4 stride 2 (128, valid: 14, 6, 2) -> LeakyReLU, Flatten (512), Dropout(0.5),
    /// Dense(1). 790,913 parameters for 32x32x3, as the tutorial's summary counts them.
    /// Dropout draws from its own fixed stream (not the run's), so the model's other streams
    /// are those of any run.
    public static func kerasCIFAR10Discriminator(_ config: ModelConfig) -> Sequential {
        var layers: [Layer] = [Conv2d(config.channels, 128, kernel: 3), Activation(kerasLeak, inPlace: true)]
        for _ in 0..<3 { layers += [Conv2d(128, 128, kernel: 4, stride: 2), Activation(kerasLeak, inPlace: true)] }
        layers += [Reshape([512]), Dropout(0.5, seed: dropoutSeed), Linear(512, 1)]
        return Sequential(layers, name: "D")
    }

    /// The upsample + conv + ELU generator of the Keras glyph tutorial (seed 001): z is read as
    /// a 4x4 map of nz/16 channels (the tutorial's 4x4x4 uniform noise for nz 64) -> Conv 3x3
    /// (64, no activation) -> UpSampling2D (8x8) -> Conv 3x3 (128) -> BatchNorm -> ELU ->
    /// UpSampling2D (16x16) -> Conv 3x3 (128) -> BatchNorm -> ELU -> UpSampling2D (32x32) ->
    /// Conv 5x5 (C) -> tanh. BatchNorm has Keras's epsilon 1e-3 and momentum 0.99 (0.01 in
    /// PyTorch's convention).
    public static func upsampleELUGenerator(_ config: ModelConfig) -> Sequential {
        func kerasNorm(_ channels: Int) -> BatchNorm { BatchNorm(channels, momentum: 0.01, eps: 1e-3) }
        return Sequential([
            Reshape([config.nz / 16, 4, 4]), Conv2d(config.nz / 16, 64, kernel: 3, padding: 1), Upsample(factor: 2),
            Conv2d(64, 128, kernel: 3, padding: 1), kerasNorm(128), Activation(.elu(alpha: 1), inPlace: true), Upsample(factor: 2),
            Conv2d(128, 128, kernel: 3, padding: 1), kerasNorm(128), Activation(.elu(alpha: 1), inPlace: true), Upsample(factor: 2),
            Conv2d(128, config.channels, kernel: 5, padding: 2), Activation(.tanh, inPlace: true),
        ], name: "G")
    }

    /// The glyph tutorial's discriminator (its final one, without BatchNorm): three Conv 3x3
    /// stride 2 (64, 128, 256, same: 16, 8, 4) -> LeakyReLU, Flatten (4096), Dense(2048) ->
    /// LeakyReLU, Dense(1).
    public static func upsampleELUDiscriminator(_ config: ModelConfig) -> Sequential {
        Sequential([
            Conv2d(config.channels, 64, kernel: 3, stride: 2, padding: 1), Activation(kerasLeak, inPlace: true),
            Conv2d(64, 128, kernel: 3, stride: 2, padding: 1), Activation(kerasLeak, inPlace: true),
            Conv2d(128, 256, kernel: 3, stride: 2, padding: 1), Activation(kerasLeak, inPlace: true),
            Reshape([256 * 4 * 4]), Linear(256 * 4 * 4, 2048), Activation(kerasLeak, inPlace: true), Linear(2048, 1),
        ], name: "D")
    }

    /// The CNTK MNIST generator (seed 002, `convolutional_generator`): z -> Dense(1024) ->
    /// BatchNorm -> ReLU -> Dense(128x7x7) -> BatchNorm -> ReLU -> ConvolutionTranspose 5x5
    /// stride 2 (128, pad: 14x14) -> BatchNorm -> ReLU -> ConvolutionTranspose 5x5 stride 2
    /// (C, pad: 28x28). CNTK pads the transposed convolutions to the `output_shape` it is given;
    /// here padding 2 and output padding 1 double the side. The tutorial's last activation is a
    /// sigmoid on [0, 1] pixels; on this tool's [-1, 1] pixels the same range is tanh's.
    public static func cntkMNISTGenerator(_ config: ModelConfig) -> Sequential {
        Sequential([
            Linear(config.nz, 1024), BatchNorm(1024), Activation(.relu, inPlace: true),
            Linear(1024, 128 * 7 * 7), Reshape([128, 7, 7]), BatchNorm(128), Activation(.relu, inPlace: true),
            ConvTranspose2d(128, 128, kernel: 5, stride: 2, padding: 2, outputPadding: 1), BatchNorm(128), Activation(.relu, inPlace: true),
            ConvTranspose2d(128, config.channels, kernel: 5, stride: 2, padding: 2, outputPadding: 1), Activation(.tanh, inPlace: true),
        ], name: "G")
    }

    /// The CNTK MNIST discriminator (`convolutional_discriminator`): Convolution 5x5 stride 2
    /// (1 filter, no padding: 12x12) -> BatchNorm -> LeakyReLU(0.2) -> Convolution 5x5 stride 2
    /// (64: 4x4) -> BatchNorm -> LeakyReLU(0.2) -> Dense(1024) -> BatchNorm -> LeakyReLU(0.2)
    /// -> Dense(1). The tutorial normalises every layer, the input layer too.
    public static func cntkMNISTDiscriminator(_ config: ModelConfig) -> Sequential {
        let leak = ActivationKind.leakyReLU(slope: 0.2)
        return Sequential([
            Conv2d(config.channels, 1, kernel: 5, stride: 2), BatchNorm(1), Activation(leak, inPlace: true),
            Conv2d(1, 64, kernel: 5, stride: 2), BatchNorm(64), Activation(leak, inPlace: true),
            Reshape([64 * 4 * 4]), Linear(64 * 4 * 4, 1024), BatchNorm(1024), Activation(leak, inPlace: true), Linear(1024, 1),
        ], name: "D")
    }

    /// Seeds the Keras discriminator's dropout stream.
    static let dropoutSeed: UInt64 = 0x4B45_5241_5321
}
