import Foundation

/// Mean-reduced losses over every element, each returning the loss and writing d(loss)/d(input).
public enum LossKernel {
    /// Binary cross-entropy on logits, in the stable form max(z,0) - z*t + log(1 + e^-|z|).
    public static func bceWithLogits(logits: Tensor, targets: Tensor, gradient: Tensor?) -> Float {
        let n = logits.count
        var total = 0.0
        for i in 0..<n {
            let z = logits[i], t = targets[i]
            total += Double(max(z, 0) - z * t + log1pf(expf(-abs(z))))
            gradient?[i] = (stableSigmoid(z) - t) / Float(n)
        }
        return Float(total / Double(n))
    }

    /// Binary cross-entropy on probabilities; log terms clamped at -100 as PyTorch's BCELoss does,
    /// so a saturated discriminator gives a large finite loss, not infinity.
    public static func bce(probabilities: Tensor, targets: Tensor, gradient: Tensor?) -> Float {
        let n = probabilities.count
        var total = 0.0
        for i in 0..<n {
            let p = probabilities[i], t = targets[i]
            total -= Double(t * max(logf(p), -100) + (1 - t) * max(logf(1 - p), -100))
            // PyTorch clamps the denominator at eps=1e-12 for the same reason.
            gradient?[i] = (p - t) / max(p * (1 - p), 1e-12) / Float(n)
        }
        return Float(total / Double(n))
    }

    /// Mean squared error.
    public static func mse(predictions: Tensor, targets: Tensor, gradient: Tensor?) -> Float {
        let n = predictions.count
        var total = 0.0
        for i in 0..<n {
            let d = predictions[i] - targets[i]
            total += Double(d * d)
            gradient?[i] = 2 * d / Float(n)
        }
        return Float(total / Double(n))
    }
}

extension LossKernel {
    /// The hinge loss of a discriminator's raw scores, mean(max(0, 1 - sign * s)), with `sign`
    /// +1 for real images and -1 for fakes: only scores on the wrong side of the margin cost
    /// anything. At the kink (1 - sign * s = 0) the gradient taken is 0, as PyTorch's relu gives.
    public static func hinge(scores: Tensor, sign: Float, gradient: Tensor?) -> Float {
        precondition(sign == 1 || sign == -1, "hinge: sign must be +1 (real) or -1 (fake), not \(sign)")
        let n = scores.count
        var total = 0.0
        for i in 0..<n {
            let margin = 1 - sign * scores[i]
            total += Double(max(margin, 0))
            gradient?[i] = margin > 0 ? -sign / Float(n) : 0
        }
        return Float(total / Double(n))
    }

    /// scale * mean(s), the loss terms that are plain means of the scores: the Wasserstein
    /// critic's -mean(D(x)) + mean(D(G(z))) is scale -1 on the real scores plus scale +1 on the
    /// fakes', and the hinge/Wasserstein generator's -mean(D(G(z))) is scale -1.
    public static func meanScore(scores: Tensor, scale: Float, gradient: Tensor?) -> Float {
        let n = scores.count
        gradient?.fill(scale / Float(n))
        return Float(Double(scale) * VectorSums.sum(scores.pointer, n) / Double(n))
    }
}

extension LossKernel {
    /// Mean softmax cross-entropy of logits [N, K] against class indices (the classifier that
    /// scores samples is trained with it). Uses log-sum-exp shifted by the row maximum.
    public static func softmaxCrossEntropy(logits: Tensor, labels: [Int], gradient: Tensor?) -> Float {
        let (n, k) = (logits.shape[0], logits.shape[1])
        precondition(labels.count == n && labels.allSatisfy { (0..<k).contains($0) }, "labels must be one class index per row")
        var total = 0.0
        for row in 0..<n {
            let z = logits.pointer + row * k
            var top = z[0]
            for j in 1..<k { top = max(top, z[j]) }
            var sum: Float = 0
            for j in 0..<k { sum += expf(z[j] - top) }
            total += Double(logf(sum) + top - z[labels[row]])
            if let gradient {
                let g = gradient.pointer + row * k
                for j in 0..<k { g[j] = (expf(z[j] - top) / sum - (j == labels[row] ? 1 : 0)) / Float(n) }
            }
        }
        return Float(total / Double(n))
    }
}
