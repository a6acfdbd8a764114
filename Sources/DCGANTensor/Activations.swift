import CDCGANKernels

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

/// Fast pointwise activation kernels (Float, split over the cores; the loops are C's, see
/// `ck_activation_forward`).
public enum ActivationKernel {
    /// y = f(x), elementwise; `y` may be `x` itself.
    public static func forward(_ kind: ActivationKind, input: Tensor, output: Tensor) {
        let x = UncheckedSendable(input.pointer), y = UncheckedSendable(output.pointer)
        let (code, parameter) = kind.kernelCode
        Parallelism.forEachChunk(input.count, costPerItem: 4) { range in
            ck_activation_forward(code, parameter, x.value + range.lowerBound, y.value + range.lowerBound, range.count)
        }
    }

    /// dx = dy * f'(x), written from the output y alone (for every kind here the sign of x is
    /// the sign of y, and tanh/sigmoid derivatives are functions of y), so an activation can
    /// overwrite its input. `inputGradient` may alias `outputGradient`.
    public static func backward(_ kind: ActivationKind, output: Tensor, outputGradient: Tensor, inputGradient: Tensor) {
        let y = UncheckedSendable(output.pointer)
        let dy = UncheckedSendable(outputGradient.pointer), dx = UncheckedSendable(inputGradient.pointer)
        let (code, parameter) = kind.kernelCode
        Parallelism.forEachChunk(output.count, costPerItem: 4) { range in
            let start = range.lowerBound
            ck_activation_backward(code, parameter, y.value + start, dy.value + start, dx.value + start, range.count)
        }
    }
}

extension ActivationKind {
    /// The C kernels' name for this activation, and its slope or alpha (0 where there is none).
    var kernelCode: (ck_activation, Float) {
        switch self {
        case .relu: (CK_RELU, 0)
        case .leakyReLU(let slope): (CK_LEAKY_RELU, slope)
        case .elu(let alpha): (CK_ELU, alpha)
        case .tanh: (CK_TANH, 0)
        case .sigmoid: (CK_SIGMOID, 0)
        }
    }
}

/// 1 / (1 + e^-x) without overflow for large |x| (the activation kernel's, for one value).
@inlinable
public func stableSigmoid(_ x: Float) -> Float { ck_stable_sigmoid(x) }
