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
