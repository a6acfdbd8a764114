import CDCGANKernels

/// Batch normalisation over [N, C, S] (S = H*W for BatchNorm2d, 1 for BatchNorm1d), PyTorch
/// semantics: training mode normalises with the batch mean and biased variance and moves the
/// running statistics by `momentum` towards the batch mean and the *unbiased* variance.
public enum BatchNormKernel {
    /// Sums a buffer of per-channel partial sums element by element over every process that
    /// shares the batch, in place (synchronised BatchNorm: an MPI all-reduce). Every process
    /// must call it the same number of times with buffers of the same length.
    public typealias CrossProcessSum = (UnsafeMutableBufferPointer<Double>) -> Void

    /// Training-mode forward. Saves per-channel mean and 1/sqrt(var+eps) for the backward pass.
    /// With `crossProcessSum` the statistics are those of the batch split over all processes
    /// (two reductions: the sums, then the squared deviations from the global mean, so the
    /// variance keeps the two-pass accuracy); without it, those of `input` alone. `activation`
    /// (ReLU or LeakyReLU) is applied to the output as it is written, saving the activation a
    /// pass of its own.
    public static func forwardTraining(input: Tensor, gamma: Tensor?, beta: Tensor?, eps: Float, momentum: Float,
                                       runningMean: Tensor, runningVariance: Tensor,
                                       savedMean: Tensor, savedInverseStd: Tensor, output: Tensor,
                                       crossProcessSum: CrossProcessSum? = nil, activation: ActivationKind? = nil) {
        let (fold, slope): (Int32, Float) = activation.map { kind in
            guard let folded = kind.foldedKernel else { preconditionFailure("BatchNorm applies only ReLU or LeakyReLU, not \(kind)") }
            return folded
        } ?? (-1, 0)
        let (n, c) = (input.shape[0], input.shape[1]), s = input.count / max(n * c, 1)
        let ptrs = UncheckedSendable((input.pointer, output.pointer, savedMean.pointer, savedInverseStd.pointer,
                                      runningMean.pointer, runningVariance.pointer, gamma?.pointer, beta?.pointer))
        let layout = ck_channel_layout(samples: n, channels: c, plane: s)
        // Two passes (mean, then squared deviations from it): the variance of large, offset
        // activations stays exact, as E[x^2] - E[x]^2 would not.
        func sum(_ ch: Int) -> Double { ck_channel_sum(layout, ptrs.value.0, ch) }
        func squares(_ ch: Int, _ mu: Double) -> Double { ck_channel_squared_deviations(layout, ptrs.value.0, ch, Float(mu)) }
        func normalize(_ ch: Int, mu: Double, squares: Double, count: Double) {
            let (x, y, mean, invStd, rMean, rVar, g, b) = ptrs.value
            let variance = squares / count
            let inv = 1 / (variance + Double(eps)).squareRoot()
            mean[ch] = Float(mu)
            invStd[ch] = Float(inv)
            let unbiased = count > 1 ? squares / (count - 1) : variance
            rMean[ch] = (1 - momentum) * rMean[ch] + momentum * Float(mu)
            rVar[ch] = (1 - momentum) * rVar[ch] + momentum * Float(unbiased)
            let scale = Float(inv) * (g?[ch] ?? 1), shift = (b?[ch] ?? 0) - Float(mu) * scale
            ck_channel_linear(layout, x, scale, nil, 0, shift, fold, slope, y, ch)
        }
        guard let crossProcessSum else {
            let count = Double(n * s)
            Parallelism.forEachChunk(c, costPerItem: 3 * n * s) { channels in
                for ch in channels {
                    let mu = sum(ch) / count
                    normalize(ch, mu: mu, squares: squares(ch, mu), count: count)
                }
            }
            return
        }
        // [sum per channel..., element count]: the count is summed too, so ranks may hold
        // batches of different sizes.
        let totals = SharedDoubles(count: c + 1)
        Parallelism.forEachChunk(c, costPerItem: n * s) { channels in for ch in channels { totals[ch] = sum(ch) } }
        totals[c] = Double(n * s)
        totals.reduce(crossProcessSum)
        let count = totals[c], means = (0..<c).map { totals[$0] / count }
        let deviations = SharedDoubles(count: c)
        Parallelism.forEachChunk(c, costPerItem: n * s) { channels in for ch in channels { deviations[ch] = squares(ch, means[ch]) } }
        deviations.reduce(crossProcessSum)
        Parallelism.forEachChunk(c, costPerItem: n * s) { channels in
            for ch in channels { normalize(ch, mu: means[ch], squares: deviations[ch], count: count) }
        }
    }

    /// Evaluation-mode forward with the running statistics.
    public static func forwardInference(input: Tensor, gamma: Tensor?, beta: Tensor?, eps: Float,
                                        runningMean: Tensor, runningVariance: Tensor, output: Tensor) {
        let (n, c) = (input.shape[0], input.shape[1]), s = input.count / max(n * c, 1)
        let (scale, shift) = inferenceAffine(gamma: gamma, beta: beta, eps: eps, runningMean: runningMean,
                                             runningVariance: runningVariance)
        let ptrs = UncheckedSendable((input.pointer, output.pointer))
        Parallelism.forEachChunk(c, costPerItem: n * s) { channels in
            let (x, y) = ptrs.value
            for ch in channels {
                for i in 0..<n {
                    let from = x + (i * c + ch) * s, to = y + (i * c + ch) * s
                    for j in 0..<s { to[j] = from[j] * scale[ch] + shift[ch] }
                }
            }
        }
    }

    /// Inference-mode BatchNorm as one affine map per channel: y = scale * x + shift with
    /// scale = gamma / sqrt(running variance + eps) and shift = beta - running mean * scale.
    public static func inferenceAffine(gamma: Tensor?, beta: Tensor?, eps: Float, runningMean: Tensor,
                                       runningVariance: Tensor) -> (scale: [Float], shift: [Float]) {
        let scale = (0..<runningMean.count).map { (gamma?[$0] ?? 1) / (runningVariance[$0] + eps).squareRoot() }
        return (scale, scale.indices.map { (beta?[$0] ?? 0) - runningMean[$0] * scale[$0] })
    }

    /// Training-mode backward: dx overwritten; dgamma and dbeta accumulated (nil to skip).
    /// dx = gamma*invStd * (dy - mean(dy) - xhat * mean(dy * xhat)). With `crossProcessSum`
    /// (the forward pass must have used it too) the two means run over the batch of every
    /// process; dgamma and dbeta stay this process's share, which the gradient all-reduce sums.
    public static func backward(input: Tensor, gamma: Tensor?, savedMean: Tensor, savedInverseStd: Tensor,
                                outputGradient: Tensor, inputGradient: Tensor?,
                                gammaGradient: Tensor?, betaGradient: Tensor?, crossProcessSum: CrossProcessSum? = nil) {
        let (n, c) = (input.shape[0], input.shape[1]), s = input.count / max(n * c, 1)
        let ptrs = UncheckedSendable((input.pointer, outputGradient.pointer, inputGradient?.pointer, savedMean.pointer,
                                      savedInverseStd.pointer, gamma?.pointer, gammaGradient?.pointer, betaGradient?.pointer))
        /// Sum of dy and of dy * xhat over this process's part of the channel; accumulates them
        /// into dbeta and dgamma.
        let layout = ck_channel_layout(samples: n, channels: c, plane: s)
        func parameterGradients(_ ch: Int) -> (sumGrad: Float, sumGradXhat: Float) {
            let (x, dy, _, mean, invStd, _, dg, db) = ptrs.value
            var gradientSum = 0.0, moment = 0.0
            ck_channel_sum_and_moment(layout, dy, x, ch, mean[ch], &gradientSum, &moment)
            let sums = (Float(gradientSum), Float(moment) * invStd[ch])
            dg?[ch] += sums.1
            db?[ch] += sums.0
            return sums
        }
        func writeInputGradient(_ ch: Int, sumGrad: Float, sumGradXhat: Float, count: Float) {
            let (x, dy, dx, mean, invStd, g, _, _) = ptrs.value
            guard let dx else { return }
            let mu = mean[ch], inv = invStd[ch]
            let scale = (g?[ch] ?? 1) * inv
            let meanGrad = sumGrad / count, meanGradXhat = sumGradXhat / count
            // scale (dy - meanGrad - (x - mu) inv meanGradXhat), as a dy + b x + c.
            let b = -scale * inv * meanGradXhat
            ck_channel_linear(layout, dy, scale, x, b, -scale * meanGrad - b * mu, -1, 0, dx, ch)
        }
        guard let crossProcessSum, inputGradient != nil else {
            Parallelism.forEachChunk(c, costPerItem: 3 * n * s) { channels in
                for ch in channels {
                    let sums = parameterGradients(ch)
                    writeInputGradient(ch, sumGrad: sums.sumGrad, sumGradXhat: sums.sumGradXhat, count: Float(n * s))
                }
            }
            return
        }
        // [sum of dy per channel..., sum of dy * xhat per channel..., element count].
        let totals = SharedDoubles(count: 2 * c + 1)
        Parallelism.forEachChunk(c, costPerItem: 2 * n * s) { channels in
            for ch in channels {
                let sums = parameterGradients(ch)
                (totals[ch], totals[c + ch]) = (Double(sums.sumGrad), Double(sums.sumGradXhat))
            }
        }
        totals[2 * c] = Double(n * s)
        totals.reduce(crossProcessSum)
        Parallelism.forEachChunk(c, costPerItem: n * s) { channels in
            for ch in channels { writeInputGradient(ch, sumGrad: Float(totals[ch]), sumGradXhat: Float(totals[c + ch]), count: Float(totals[2 * c])) }
        }
    }

    /// Evaluation-mode backward: the normalisation is a fixed affine map per channel.
    public static func backwardInference(input: Tensor, gamma: Tensor?, eps: Float, runningMean: Tensor,
                                         runningVariance: Tensor, outputGradient: Tensor, inputGradient: Tensor?,
                                         gammaGradient: Tensor?, betaGradient: Tensor?) {
        let (n, c) = (input.shape[0], input.shape[1]), s = input.count / max(n * c, 1)
        for ch in 0..<c {
            let inv = 1 / (runningVariance[ch] + eps).squareRoot(), scale = (gamma?[ch] ?? 1) * inv
            var sumGrad: Float = 0, sumGradXhat: Float = 0
            for i in 0..<n {
                for j in 0..<s {
                    let index = (i * c + ch) * s + j
                    sumGrad += outputGradient[index]
                    sumGradXhat += outputGradient[index] * (input[index] - runningMean[ch]) * inv
                    inputGradient?[index] = outputGradient[index] * scale
                }
            }
            if let gammaGradient { gammaGradient[ch] += sumGradXhat }
            if let betaGradient { betaGradient[ch] += sumGrad }
        }
    }
}

/// Per-channel totals that the channel-parallel loops write (each chunk its own channels) and
/// a cross-process sum then reduces in place.
private final class SharedDoubles: @unchecked Sendable {
    private let values: UnsafeMutableBufferPointer<Double>
    init(count: Int) { values = .allocate(capacity: count); values.initialize(repeating: 0) }
    deinit { values.deallocate() }
    subscript(index: Int) -> Double {
        get { values[index] }
        set { values[index] = newValue }
    }
    func reduce(_ sum: BatchNormKernel.CrossProcessSum) { sum(values) }
}
