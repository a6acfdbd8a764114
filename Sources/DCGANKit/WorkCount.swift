import DCGANLayers

/// Work of a training iteration or a generation pass, counted the way the PyTorch peer
/// benchmark counts it (dense matrix work of the weight layers, padding included), so that
/// GFLOP/s figures can be compared.
public enum WorkCount {
    /// FLOPs of one training iteration: D runs three times (real, fake, G's step) forward and
    /// backward, without its first layer's input gradient in the two D passes and without
    /// weight gradients in G's step; G runs once, without the gradient of z.
    public static func trainingFLOPs(model: ModelConfig, batch: Int) -> Double {
        let (g, d) = layerFLOPs(model, batch: batch)
        let dTotal = d.reduce(0, +), gTotal = g.reduce(0, +)
        let dFirst = d.first { $0 > 0 } ?? 0, gFirst = g.first { $0 > 0 } ?? 0
        return 9 * dTotal - 2 * dFirst + 3 * gTotal - gFirst
    }

    /// FLOPs of one generator forward pass over a batch.
    public static func generationFLOPs(model: ModelConfig, batch: Int) -> Double {
        layerFLOPs(model, batch: batch).g.reduce(0, +)
    }

    private static func layerFLOPs(_ model: ModelConfig, batch: Int) -> (g: [Double], d: [Double]) {
        // One network at a time, so that counting does not hold both sets of weights at once.
        let condition = model.isConditional ? ClassCondition(classes: model.classes) : nil
        let g = ModelZoo.generator(for: model, condition: condition).layerFLOPs(for: [batch] + model.latentShape)
        let d = ModelZoo.discriminator(for: model, condition: condition).layerFLOPs(for: [batch] + model.sampleShape)
        return (g, d)
    }
}
