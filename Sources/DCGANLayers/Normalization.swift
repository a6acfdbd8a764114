import DCGANTensor

/// Batch normalisation over the channel axis of [N, C] or [N, C, H, W] inputs: PyTorch's
/// `BatchNorm1d`/`BatchNorm2d` with momentum 0.1 and eps 1e-5 by default. Without `affine`
/// there is no learned scale and shift (the paper's supplement 8.1).
public final class BatchNorm: Layer {
    /// Per-channel gain (gamma); nil without `affine`.
    public let scale: Parameter?
    /// Per-channel offset (beta); nil without `affine`.
    public let shift: Parameter?
    /// Running average of the batch means, used in evaluation mode (`running_mean` in state dicts).
    public let runningMean: Tensor
    /// Running average of the unbiased batch variances, used in evaluation mode (`running_var`).
    public let runningVariance: Tensor
    /// Added to the variance before its square root, against division by zero.
    public let eps: Float
    /// Weight of the new batch in the running averages (PyTorch's convention: 0.1).
    public let momentum: Float
    /// True: normalise with the batch's statistics and update the running ones; false: use the running ones.
    public private(set) var isTraining = true
    /// Set on every process of a data-parallel run with synchronised BatchNorm: training
    /// statistics (and their gradients) then cover the whole batch split over the processes;
    /// nil keeps them per process (PyTorch DDP's default).
    public var crossProcessSum: BatchNormKernel.CrossProcessSum?
    private var input = Tensor(zeros: [0])
    private let savedMean: Tensor, savedInverseStd: Tensor
    private var output = ReusableTensor(), inputGradient = ReusableTensor()

    /// BatchNorm over `channels`, as PyTorch's `nn.BatchNorm2d(channels)` (gamma 1, beta 0, running variance 1).
    public init(_ channels: Int, affine: Bool = true, momentum: Float = 0.1, eps: Float = 1e-5) {
        scale = affine ? Parameter("weight", role: .normScale, shape: [channels]) : nil
        shift = affine ? Parameter("bias", role: .normShift, shape: [channels]) : nil
        scale?.value.fill(1)
        runningMean = Tensor(zeros: [channels])
        runningVariance = Tensor(repeating: 1, shape: [channels])
        savedMean = Tensor(zeros: [channels])
        savedInverseStd = Tensor(zeros: [channels])
        self.eps = eps
        self.momentum = momentum
    }

    public func outputShape(for s: [Int]) -> [Int]? {
        (s.count == 2 || s.count == 4) && s[1] == runningMean.count ? s : nil
    }

    public func forward(_ x: Tensor) -> Tensor { forward(x, trainingActivation: nil) }

    /// The forward pass; in training mode `trainingActivation` (ReLU or LeakyReLU) is applied to
    /// the output as it is written (`Sequential` folds an in-place activation after it so).
    func forward(_ x: Tensor, trainingActivation: ActivationKind?) -> Tensor {
        precondition(outputShape(for: x.shape) != nil, "BatchNorm: input \(x.shape) has not \(runningMean.count) channels")
        precondition(trainingActivation == nil || isTraining, "BatchNorm applies an activation in training mode only")
        input = x
        let y = output.get(x.shape)
        if isTraining {
            BatchNormKernel.forwardTraining(input: x, gamma: scale?.value, beta: shift?.value, eps: eps, momentum: momentum,
                                            runningMean: runningMean, runningVariance: runningVariance,
                                            savedMean: savedMean, savedInverseStd: savedInverseStd, output: y,
                                            crossProcessSum: crossProcessSum, activation: trainingActivation)
        } else {
            BatchNormKernel.forwardInference(input: x, gamma: scale?.value, beta: shift?.value, eps: eps,
                                             runningMean: runningMean, runningVariance: runningVariance, output: y)
        }
        return y
    }

    public func backward(_ dy: Tensor, inputGradientNeeded: Bool) -> Tensor {
        let dx = inputGradientNeeded ? inputGradient.inputGradient(input.shape, outputGradient: dy) : nil
        if isTraining {
            BatchNormKernel.backward(input: input, gamma: scale?.value, savedMean: savedMean, savedInverseStd: savedInverseStd,
                                     outputGradient: dy, inputGradient: dx, gammaGradient: scale?.gradientIfTrainable,
                                     betaGradient: shift?.gradientIfTrainable, crossProcessSum: crossProcessSum)
        } else {
            BatchNormKernel.backwardInference(input: input, gamma: scale?.value, eps: eps, runningMean: runningMean,
                                              runningVariance: runningVariance, outputGradient: dy, inputGradient: dx,
                                              gammaGradient: scale?.gradientIfTrainable, betaGradient: shift?.gradientIfTrainable)
        }
        return dx ?? dy
    }

    public var parameters: [Parameter] { [scale, shift].compactMap { $0 } }
    public var buffers: [(name: String, tensor: Tensor)] { [("running_mean", runningMean), ("running_var", runningVariance)] }
    public func setTraining(_ training: Bool) { isTraining = training }

    /// In evaluation mode, the normalisation as one affine map per channel (y = scale * x +
    /// shift, `BatchNormKernel.inferenceAffine`); nil in training mode, whose statistics are the batch's.
    public var inferenceAffine: (scale: [Float], shift: [Float])? {
        guard !isTraining else { return nil }
        return BatchNormKernel.inferenceAffine(gamma: scale?.value, beta: shift?.value, eps: eps, runningMean: runningMean,
                                               runningVariance: runningVariance)
    }
}
