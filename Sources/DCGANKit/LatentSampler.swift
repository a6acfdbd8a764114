import DCGANTensor

/// Where G's input comes from: a distribution and the shape of one latent vector.
public protocol LatentSampler {
    /// The shape of one sample: [nz, 1, 1] for a convolutional G, [nz] for a fully connected one.
    var sampleShape: [Int] { get }
    /// Fills `z` ([N] + sampleShape) with fresh samples drawn from `rng`.
    func fill(_ z: Tensor, rng: inout RandomGenerator)
}

extension LatentSampler {
    /// A new tensor of `count` samples.
    public func sample(count: Int, rng: inout RandomGenerator) -> Tensor {
        let z = Tensor(zeros: [count] + sampleShape)
        fill(z, rng: &rng)
        return z
    }
}

/// Uniform in [low, high]: the paper's z, 100-d in [-1, 1].
public struct UniformLatent: LatentSampler {
    /// Shape of one latent vector ([nz, 1, 1] for the DCGAN).
    public let sampleShape: [Int]
    /// The interval the values are drawn from.
    public let low: Float, high: Float

    /// Uniform noise in [low, high), the paper's [-1, 1] by default.
    public init(sampleShape: [Int], low: Float = -1, high: Float = 1) {
        precondition(low < high, "uniform latent needs low < high")
        (self.sampleShape, self.low, self.high) = (sampleShape, low, high)
    }

    /// Fills `z` with uniform values from `rng`.
    public func fill(_ z: Tensor, rng: inout RandomGenerator) { rng.fillUniform(z, low, high) }
}

/// Standard normal: the tutorials' z (torch.randn).
public struct NormalLatent: LatentSampler {
    /// Shape of one latent vector ([nz, 1, 1] for the DCGAN).
    public let sampleShape: [Int]
    /// Standard normal noise of `sampleShape` per example.
    public init(sampleShape: [Int]) { self.sampleShape = sampleShape }
    /// Fills `z` with standard normal values from `rng`.
    public func fill(_ z: Tensor, rng: inout RandomGenerator) { rng.fillNormal(z) }
}
