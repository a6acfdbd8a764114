import DCGANLayers
import DCGANTensor

/// The paper's generator and discriminator for any supported image size.
public enum DCGAN {
    /// G: z [N, nz, 1, 1] is projected to a base x base map with many channels by a transposed
    /// convolution (the "project and reshape" of the paper, as PyTorch's example does it), then
    /// transposed convolutions (4, stride 2, padding 1) double the size while halving channels.
    /// BatchNorm + ReLU after every layer but the output, which is Tanh.
    /// For 64x64: nz -> 4x4x8ngf -> 8x8x4ngf -> 16x16x2ngf -> 32x32xngf -> 64x64xC.
    public static func generator(_ config: ModelConfig) -> Sequential {
        let (base, doublings) = config.ladder!
        var widths = (0..<doublings).map { config.ngf << (doublings - 1 - $0) }  // 8ngf, 4ngf, 2ngf, ngf
        var layers: [Layer] = [
            ConvTranspose2d(config.nz, widths[0], kernel: base, stride: 1, padding: 0, bias: false),
            BatchNorm(widths[0], affine: config.batchNormAffine), Activation(.relu, inPlace: true),
        ]
        widths.append(config.channels)
        for index in 1..<widths.count {
            layers.append(ConvTranspose2d(widths[index - 1], widths[index], kernel: 4, stride: 2, padding: 1, bias: false))
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
    public static func discriminator(_ config: ModelConfig) -> Sequential {
        let (base, doublings) = config.ladder!
        let widths = [config.channels] + (0..<doublings).map { config.ndf << $0 }  // C, ndf, 2ndf, 4ndf, 8ndf
        var layers: [Layer] = []
        for (index, (from, to)) in zip(widths, widths.dropFirst()).enumerated() {
            layers.append(Conv2d(from, to, kernel: 4, stride: 2, padding: 1, bias: false))
            if index > 0 { layers.append(BatchNorm(to, affine: config.batchNormAffine)) }
            layers.append(Activation(.leakyReLU(slope: 0.2), inPlace: true))
        }
        layers.append(Conv2d(widths.last!, 1, kernel: base, stride: 1, padding: 0, bias: false))
        layers.append(Reshape([1]))
        return Sequential(layers, name: "D")
    }
}
