/// Layer normalisation over the rows of [N, F], PyTorch's `nn.LayerNorm(F)`: each row is
/// normalised by its own mean and biased variance, then scaled and shifted per feature by
/// gamma and beta ([F] each, both or neither). Unlike batch normalisation there are no running
/// statistics: training and evaluation compute the same thing.
public enum LayerNormKernel {
    /// y[n, j] = (x[n, j] - mean_n) * invStd_n * gamma[j] + beta[j]. Saves each row's mean and
    /// 1/sqrt(var + eps) ([N] each) for the backward pass.
    public static func forward(input: Tensor, gamma: Tensor?, beta: Tensor?, eps: Float,
                               savedMean: Tensor, savedInverseStd: Tensor, output: Tensor) {
        let (n, f) = (input.shape[0], input.shape[1])
        precondition((gamma == nil) == (beta == nil), "LayerNorm: gamma and beta come together")
        let ptrs = UncheckedSendable((input.pointer, output.pointer, savedMean.pointer, savedInverseStd.pointer,
                                      gamma?.pointer, beta?.pointer))
        Parallelism.forEachChunk(n, costPerItem: 4 * f) { rows in
            let (x, y, mean, invStd, g, b) = ptrs.value
            for row in rows {
                let from = x + row * f, to = y + row * f
                // Two passes, mean then squared deviations from it, as BatchNorm does: a row of
                // large, offset activations keeps its variance, which E[x^2] - E[x]^2 would lose.
                let mu = VectorSums.sum(from, f) / Double(f)
                let variance = VectorSums.squaredDeviations(from, f, from: Float(mu)) / Double(f)
                let m = Float(mu), inv = Float(1 / (variance + Double(eps)).squareRoot())
                mean[row] = m
                invStd[row] = inv
                if let g, let b {
                    for j in 0..<f { to[j] = (from[j] - m) * inv * g[j] + b[j] }
                } else {
                    for j in 0..<f { to[j] = (from[j] - m) * inv }
                }
            }
        }
    }

    /// dx overwritten (nil to skip); dgamma and dbeta accumulated (nil to skip). With
    /// xhat = (x - mean) * invStd and g = dy * gamma, per row:
    /// dx = invStd * (g - mean(g) - xhat * mean(g * xhat)); dgamma[j] += Σ_n dy * xhat; dbeta[j] += Σ_n dy.
    public static func backward(input: Tensor, gamma: Tensor?, savedMean: Tensor, savedInverseStd: Tensor,
                                outputGradient: Tensor, inputGradient: Tensor?,
                                gammaGradient: Tensor?, betaGradient: Tensor?) {
        let (n, f) = (input.shape[0], input.shape[1])
        let ptrs = UncheckedSendable((input.pointer, outputGradient.pointer, inputGradient?.pointer, savedMean.pointer,
                                      savedInverseStd.pointer, gamma?.pointer, gammaGradient?.pointer, betaGradient?.pointer))
        if inputGradient != nil {
            // Rows are independent: split them over the threads.
            Parallelism.forEachChunk(n, costPerItem: 4 * f) { rows in
                let (x, dy, dx, mean, invStd, g, _, _) = ptrs.value
                guard let dx else { return }
                for row in rows {
                    let xs = x + row * f, gs = dy + row * f, out = dx + row * f
                    let m = mean[row], inv = invStd[row]
                    // The row of dx holds g = dy * gamma first, so that the two row sums read it
                    // back without scratch memory; then it is overwritten with the gradient.
                    if let g { for j in 0..<f { out[j] = gs[j] * g[j] } } else { out.update(from: gs, count: f) }
                    let (sum, moment) = VectorSums.sumAndMoment(out, xs, f, mean: m)
                    let meanG = Float(sum / Double(f)), meanGXhat = Float(moment / Double(f)) * inv
                    for j in 0..<f { out[j] = inv * (out[j] - meanG - (xs[j] - m) * inv * meanGXhat) }
                }
            }
        }
        guard gammaGradient != nil || betaGradient != nil else { return }
        // The parameter gradients are sums down the columns: split the features over the
        // threads, each walking every row of its own columns, so that no two threads write
        // the same element.
        Parallelism.forEachChunk(f, costPerItem: 3 * n) { features in
            let (x, dy, _, mean, invStd, _, dg, db) = ptrs.value
            for row in 0..<n {
                let xs = x + row * f, gs = dy + row * f
                let m = mean[row], inv = invStd[row]
                if let dg { for j in features { dg[j] += gs[j] * (xs[j] - m) * inv } }
                if let db { for j in features { db[j] += gs[j] } }
            }
        }
    }
}
