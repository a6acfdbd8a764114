import NN

/// Multiply-add counts of the convolution layers, for reporting GFLOP/s the same way as the
/// PyTorch peer benchmark (dense GEMM work including padding).
public enum WorkCount {
    /// Multiply-adds per sample of each convolution in `network` for one input sample shape.
    public static func convolutionMACs(_ network: Sequential, sampleShape: [Int]) -> [Int] {
        var shape = [1] + sampleShape
        var result: [Int] = []
        for layer in network.layers {
            guard let next = layer.outputShape(for: shape) else { break }
            if let conv = layer as? Conv2d {
                result.append(next[1] * next[2] * next[3] * conv.weight.value.count / next[1])
            } else if let conv = layer as? ConvTranspose2d {
                result.append(shape[1] * shape[2] * shape[3] * conv.weight.value.count / shape[1])
            }
            shape = next
        }
        return result
    }

    /// FLOPs of one training iteration as the peer counts them: D runs three times (real,
    /// fake, G's step) forward and backward without its first layer's input gradient in the
    /// two D passes; G once forward and backward without its first input gradient.
    public static func trainingFLOPs(model: ModelConfig, batch: Int) -> Double {
        let (g, d) = macs(model)
        let dTotal: Int = d.reduce(0, +), gTotal: Int = g.reduce(0, +)
        let macs: Int = 9 * dTotal - 2 * d[0] + 3 * gTotal - g[0]
        return 2 * Double(batch) * Double(macs)
    }

    /// FLOPs of one generator forward pass over a batch.
    public static func generationFLOPs(model: ModelConfig, batch: Int) -> Double {
        2 * Double(batch) * Double(macs(model).g.reduce(0, +))
    }

    private static func macs(_ model: ModelConfig) -> (g: [Int], d: [Int]) {
        (convolutionMACs(DCGAN.generator(model), sampleShape: [model.nz, 1, 1]),
         convolutionMACs(DCGAN.discriminator(model), sampleShape: [model.channels, model.imageSize, model.imageSize]))
    }
}
