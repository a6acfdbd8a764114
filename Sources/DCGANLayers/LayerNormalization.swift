import DCGANTensor

/// Layer normalisation of [N, F] inputs, PyTorch's `nn.LayerNorm(F)`: each sample normalised by
/// the mean and biased variance of its own features (eps 1e-5 by default), then scaled and
/// shifted per feature unless `affine` is false. It does not depend on the rest of the batch,
/// so it behaves the same in training and evaluation and keeps no running statistics.
public final class LayerNorm: Layer {
    /// Length of each row that is normalised.
    public let features: Int
    /// Per-feature gain (gamma); nil without `affine`.
    public let scale: Parameter?
    /// Per-feature offset (beta); nil without `affine`.
    public let shift: Parameter?
    /// Added to the variance before its square root, against division by zero.
    public let eps: Float
    private var input = Tensor(zeros: [0])
    // Each sample's mean and 1/std, saved by forward for backward.
    private var savedMean = Tensor(zeros: [0]), savedInverseStd = Tensor(zeros: [0])
    private var meanBuffer = ReusableTensor(), inverseStdBuffer = ReusableTensor()
    private var output = ReusableTensor(), inputGradient = ReusableTensor()

    /// Normalises rows of `features` values, as PyTorch's `nn.LayerNorm(features)`.
    public init(_ features: Int, affine: Bool = true, eps: Float = 1e-5) {
        self.features = features
        scale = affine ? Parameter("weight", role: .normScale, shape: [features]) : nil
        shift = affine ? Parameter("bias", role: .normShift, shape: [features]) : nil
        scale?.value.fill(1)
        self.eps = eps
    }

    public func outputShape(for s: [Int]) -> [Int]? { s.count == 2 && s[1] == features ? s : nil }

    public func forward(_ x: Tensor) -> Tensor {
        precondition(outputShape(for: x.shape) != nil, "LayerNorm: input \(x.shape) is not [N, \(features)]")
        input = x
        savedMean = meanBuffer.get([x.shape[0]])
        savedInverseStd = inverseStdBuffer.get([x.shape[0]])
        let y = output.get(x.shape)
        LayerNormKernel.forward(input: x, gamma: scale?.value, beta: shift?.value, eps: eps,
                                savedMean: savedMean, savedInverseStd: savedInverseStd, output: y)
        return y
    }

    public func backward(_ dy: Tensor, inputGradientNeeded: Bool) -> Tensor {
        let dx = inputGradientNeeded ? inputGradient.inputGradient(input.shape, outputGradient: dy) : nil
        LayerNormKernel.backward(input: input, gamma: scale?.value, savedMean: savedMean, savedInverseStd: savedInverseStd,
                                 outputGradient: dy, inputGradient: dx, gammaGradient: scale?.gradientIfTrainable,
                                 betaGradient: shift?.gradientIfTrainable)
        return dx ?? dy
    }

    public var parameters: [Parameter] { [scale, shift].compactMap { $0 } }
}
