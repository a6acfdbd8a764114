import Foundation

extension Reference {
    /// Batch normalisation over [N, C, S] in training mode (batch statistics, biased variance).
    public static func batchNorm(_ x: [Double], _ shape: [Int], gamma: [Double]?, beta: [Double]?, eps: Double) -> [Double] {
        let (n, c) = (shape[0], shape[1]), s = x.count / (n * c)
        var y = x
        for ch in 0..<c {
            var mean = 0.0
            for b in 0..<n { for i in 0..<s { mean += x[(b * c + ch) * s + i] } }
            mean /= Double(n * s)
            var variance = 0.0
            for b in 0..<n { for i in 0..<s { variance += pow(x[(b * c + ch) * s + i] - mean, 2) } }
            variance /= Double(n * s)
            for b in 0..<n { for i in 0..<s {
                let index = (b * c + ch) * s + i
                y[index] = (x[index] - mean) / (variance + eps).squareRoot() * (gamma?[ch] ?? 1) + (beta?[ch] ?? 0)
            } }
        }
        return y
    }

    /// An activation applied to one value.
    public static func activate(_ kind: ActivationKind, _ v: Double) -> Double {
        switch kind {
        case .relu: return max(v, 0)
        case .leakyReLU(let slope): return v > 0 ? v : Double(slope) * v
        case .elu(let alpha): return v > 0 ? v : Double(alpha) * (exp(v) - 1)
        case .tanh: return Foundation.tanh(v)
        case .sigmoid: return 1 / (1 + exp(-v))
        }
    }

    /// Mean binary cross-entropy of logits against targets.
    public static func bceWithLogits(_ logits: [Double], _ targets: [Double]) -> Double {
        zip(logits, targets).map { z, t in
            let p = 1 / (1 + exp(-z))
            return -(t * log(p) + (1 - t) * log(1 - p))
        }.reduce(0, +) / Double(logits.count)
    }

    /// Mean binary cross-entropy of probabilities against targets, logs clamped at -100 as PyTorch does.
    public static func bce(_ probabilities: [Double], _ targets: [Double]) -> Double {
        zip(probabilities, targets).map { p, t in
            -(t * max(log(p), -100) + (1 - t) * max(log(1 - p), -100))
        }.reduce(0, +) / Double(probabilities.count)
    }

    /// Mean squared error.
    public static func mse(_ predictions: [Double], _ targets: [Double]) -> Double {
        zip(predictions, targets).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(predictions.count)
    }

    /// Mean hinge loss of a critic's scores, mean(max(0, 1 - sign * s)): sign +1 for real, -1 for fake.
    public static func hinge(_ scores: [Double], sign: Double) -> Double {
        scores.map { max(0, 1 - sign * $0) }.reduce(0, +) / Double(scores.count)
    }

    /// scale * mean(s): the Wasserstein critic's and the hinge/Wasserstein generator's loss terms.
    public static func meanScore(_ scores: [Double], scale: Double) -> Double {
        scale * scores.reduce(0, +) / Double(scores.count)
    }

    /// Nearest-neighbour upsampling by an integer factor over [N, C, H, W].
    public static func upsampleNearest(_ x: [Double], _ shape: [Int], factor: Int) -> [Double] {
        let (nc, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        var y = [Double](repeating: 0, count: nc * h * w * factor * factor)
        for plane in 0..<nc { for i in 0..<h * factor { for j in 0..<w * factor {
            y[(plane * h * factor + i) * w * factor + j] = x[(plane * h + i / factor) * w + j / factor]
        } } }
        return y
    }
}

extension Reference {
    /// Mean softmax cross-entropy, straight from the definition -log(e^z_y / sum e^z).
    public static func softmaxCrossEntropy(_ logits: [Double], classes: Int, labels: [Int]) -> Double {
        labels.enumerated().map { row, label in
            let z = logits[(row * classes)..<((row + 1) * classes)]
            return -log(exp(z[z.startIndex + label]) / z.map(exp).reduce(0, +))
        }.reduce(0, +) / Double(labels.count)
    }
}
