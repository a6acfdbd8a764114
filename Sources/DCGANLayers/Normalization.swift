import DCGANTensor

/// Batch normalisation over the channel axis of [N, C] or [N, C, H, W] inputs: PyTorch's
/// `BatchNorm1d`/`BatchNorm2d` with momentum 0.1 and eps 1e-5 by default. Without `affine`
/// there is no learned scale and shift (the paper's supplement 8.1).
public final class BatchNorm: Layer {
    public let scale: Parameter?
    public let shift: Parameter?
    public let runningMean: Tensor
    public let runningVariance: Tensor
    public let eps: Float
    public let momentum: Float
    public private(set) var isTraining = true
    /// Set on every process of a data-parallel run with synchronised BatchNorm: training
    /// statistics (and their gradients) then cover the whole batch split over the processes;
    /// nil keeps them per process (PyTorch DDP's default).
    public var crossProcessSum: BatchNormKernel.CrossProcessSum?
    private var input = Tensor(zeros: [0])
    private let savedMean: Tensor, savedInverseStd: Tensor
    private var output = ReusableTensor(), inputGradient = ReusableTensor()

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

    public func forward(_ x: Tensor) -> Tensor {
        precondition(outputShape(for: x.shape) != nil, "BatchNorm: input \(x.shape) has not \(runningMean.count) channels")
        input = x
        let y = output.get(x.shape)
        if isTraining {
            BatchNormKernel.forwardTraining(input: x, gamma: scale?.value, beta: shift?.value, eps: eps, momentum: momentum,
                                            runningMean: runningMean, runningVariance: runningVariance,
                                            savedMean: savedMean, savedInverseStd: savedInverseStd, output: y,
                                            crossProcessSum: crossProcessSum)
        } else {
            BatchNormKernel.forwardInference(input: x, gamma: scale?.value, beta: shift?.value, eps: eps,
                                             runningMean: runningMean, runningVariance: runningVariance, output: y)
        }
        return y
    }

    public func backward(_ dy: Tensor, inputGradientNeeded: Bool) -> Tensor {
        let dx = inputGradientNeeded ? inputGradient.get(input.shape) : nil
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
}
