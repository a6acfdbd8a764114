/// Batch normalisation over [N, C, S] (S = H*W for BatchNorm2d, 1 for BatchNorm1d), PyTorch
/// semantics: training mode normalises with the batch mean and biased variance and moves the
/// running statistics by `momentum` towards the batch mean and the *unbiased* variance.
public enum BatchNormKernel {
    /// Training-mode forward. Saves per-channel mean and 1/sqrt(var+eps) for the backward pass.
    public static func forwardTraining(input: Tensor, gamma: Tensor?, beta: Tensor?, eps: Float, momentum: Float,
                                       runningMean: Tensor, runningVariance: Tensor,
                                       savedMean: Tensor, savedInverseStd: Tensor, output: Tensor) {
        let (n, c) = (input.shape[0], input.shape[1]), s = input.count / max(n * c, 1)
        let count = n * s
        let ptrs = UncheckedSendable((input.pointer, output.pointer, savedMean.pointer, savedInverseStd.pointer,
                                      runningMean.pointer, runningVariance.pointer, gamma?.pointer, beta?.pointer))
        Parallelism.forEachChunk(c, costPerItem: 3 * count) { channels in
            let (x, y, mean, invStd, rMean, rVar, g, b) = ptrs.value
            for ch in channels {
                // Two passes (mean, then squared deviations from it): the variance of large,
                // offset activations stays exact, as E[x^2] - E[x]^2 would not.
                var sum = 0.0
                for i in 0..<n { sum += VectorSums.sum(x + (i * c + ch) * s, s) }
                let mu = sum / Double(count)
                var squares = 0.0
                for i in 0..<n { squares += VectorSums.squaredDeviations(x + (i * c + ch) * s, s, from: Float(mu)) }
                let variance = squares / Double(count)
                let inv = 1 / (variance + Double(eps)).squareRoot()
                mean[ch] = Float(mu)
                invStd[ch] = Float(inv)
                let unbiased = count > 1 ? squares / Double(count - 1) : variance
                rMean[ch] = (1 - momentum) * rMean[ch] + momentum * Float(mu)
                rVar[ch] = (1 - momentum) * rVar[ch] + momentum * Float(unbiased)
                let scale = Float(inv) * (g?[ch] ?? 1), shift = (b?[ch] ?? 0) - Float(mu) * scale
                for i in 0..<n {
                    let from = x + (i * c + ch) * s, to = y + (i * c + ch) * s
                    for j in 0..<s { to[j] = from[j] * scale + shift }
                }
            }
        }
    }

    /// Evaluation-mode forward with the running statistics.
    public static func forwardInference(input: Tensor, gamma: Tensor?, beta: Tensor?, eps: Float,
                                        runningMean: Tensor, runningVariance: Tensor, output: Tensor) {
        let (n, c) = (input.shape[0], input.shape[1]), s = input.count / max(n * c, 1)
        let ptrs = UncheckedSendable((input.pointer, output.pointer, runningMean.pointer, runningVariance.pointer,
                                      gamma?.pointer, beta?.pointer))
        Parallelism.forEachChunk(c, costPerItem: n * s) { channels in
            let (x, y, rMean, rVar, g, b) = ptrs.value
            for ch in channels {
                let scale = (g?[ch] ?? 1) / (rVar[ch] + eps).squareRoot()
                let shift = (b?[ch] ?? 0) - rMean[ch] * scale
                for i in 0..<n {
                    let from = x + (i * c + ch) * s, to = y + (i * c + ch) * s
                    for j in 0..<s { to[j] = from[j] * scale + shift }
                }
            }
        }
    }

    /// Training-mode backward: dx overwritten; dgamma and dbeta accumulated (nil to skip).
    /// dx = gamma*invStd * (dy - mean(dy) - xhat * mean(dy * xhat)).
    public static func backward(input: Tensor, gamma: Tensor?, savedMean: Tensor, savedInverseStd: Tensor,
                                outputGradient: Tensor, inputGradient: Tensor?,
                                gammaGradient: Tensor?, betaGradient: Tensor?) {
        let (n, c) = (input.shape[0], input.shape[1]), s = input.count / max(n * c, 1)
        let count = Float(n * s)
        let ptrs = UncheckedSendable((input.pointer, outputGradient.pointer, inputGradient?.pointer, savedMean.pointer,
                                      savedInverseStd.pointer, gamma?.pointer, gammaGradient?.pointer, betaGradient?.pointer))
        Parallelism.forEachChunk(c, costPerItem: 3 * n * s) { channels in
            let (x, dy, dx, mean, invStd, g, dg, db) = ptrs.value
            for ch in channels {
                let mu = mean[ch], inv = invStd[ch]
                var gradientSum = 0.0, moment = 0.0
                for i in 0..<n {
                    let (a, b) = VectorSums.sumAndMoment(dy + (i * c + ch) * s, x + (i * c + ch) * s, s, mean: mu)
                    gradientSum += a
                    moment += b
                }
                let sumGrad = Float(gradientSum), sumGradXhat = Float(moment) * inv
                dg?[ch] += sumGradXhat
                db?[ch] += sumGrad
                guard let dx else { continue }
                let scale = (g?[ch] ?? 1) * inv
                let meanGrad = sumGrad / count, meanGradXhat = sumGradXhat / count
                for i in 0..<n {
                    let xs = x + (i * c + ch) * s, gs = dy + (i * c + ch) * s, out = dx + (i * c + ch) * s
                    for j in 0..<s { out[j] = scale * (gs[j] - meanGrad - (xs[j] - mu) * inv * meanGradXhat) }
                }
            }
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
