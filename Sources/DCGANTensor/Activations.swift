import CDCGANKernels
import Foundation

/// The pointwise non-linearities of the DCGAN family.
public enum ActivationKind: Sendable, Equatable, Codable {
    /// max(x, 0).
    case relu
    /// x for x > 0, slope * x otherwise (the DCGAN discriminator's, slope 0.2).
    case leakyReLU(slope: Float)
    /// x for x > 0, alpha * (e^x - 1) otherwise.
    case elu(alpha: Float)
    /// The hyperbolic tangent: the generator's output, in [-1, 1].
    case tanh
    /// 1 / (1 + e^-x).
    case sigmoid
}

/// Fast pointwise activation kernels (Float, split over the cores).
public enum ActivationKernel {
    /// y = f(x), elementwise; `y` may be `x` itself.
    public static func forward(_ kind: ActivationKind, input: Tensor, output: Tensor) {
        let x = UncheckedSendable(input.pointer), y = UncheckedSendable(output.pointer)
        Parallelism.forEachChunk(input.count, costPerItem: 4) { range in
            let x = x.value, y = y.value
            switch kind {
            case .relu: for i in range { y[i] = max(x[i], 0) }
            case .leakyReLU(let slope): for i in range { y[i] = x[i] > 0 ? x[i] : slope * x[i] }
            case .elu(let alpha): for i in range { y[i] = x[i] > 0 ? x[i] : alpha * (expf(x[i]) - 1) }
            case .tanh: ck_tanh(x + range.lowerBound, y + range.lowerBound, range.count)
            case .sigmoid: for i in range { y[i] = stableSigmoid(x[i]) }
            }
        }
    }

    /// dx = dy * f'(x), written from the output y alone (for every kind here the sign of x is
    /// the sign of y, and tanh/sigmoid derivatives are functions of y), so an activation can
    /// overwrite its input. `inputGradient` may alias `outputGradient`.
    public static func backward(_ kind: ActivationKind, output: Tensor, outputGradient: Tensor, inputGradient: Tensor) {
        let y = UncheckedSendable(output.pointer)
        let dy = UncheckedSendable(outputGradient.pointer), dx = UncheckedSendable(inputGradient.pointer)
        Parallelism.forEachChunk(output.count, costPerItem: 4) { range in
            let (y, dy, dx) = (y.value, dy.value, dx.value)
            switch kind {
            case .relu: for i in range { dx[i] = y[i] > 0 ? dy[i] : 0 }
            case .leakyReLU(let slope): for i in range { dx[i] = y[i] > 0 ? dy[i] : slope * dy[i] }
            case .elu(let alpha): for i in range { dx[i] = y[i] > 0 ? dy[i] : dy[i] * (y[i] + alpha) }
            case .tanh: for i in range { dx[i] = dy[i] * (1 - y[i] * y[i]) }
            case .sigmoid: for i in range { dx[i] = dy[i] * y[i] * (1 - y[i]) }
            }
        }
    }
}

/// 1 / (1 + e^-x) without overflow for large |x|.
@inlinable
public func stableSigmoid(_ x: Float) -> Float {
    if x >= 0 { return 1 / (1 + expf(-x)) }
    let e = expf(x)
    return e / (1 + e)
}
