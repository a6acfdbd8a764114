import CDCGANKernels

/// What a convolution's forward pass applies to each output channel c as it writes it:
/// y = activation(scale[c] * x + shift[c]), x being the convolution plus its bias. An
/// inference-mode BatchNorm (scale gamma / sqrt(var + eps), shift beta - mean * scale) and the
/// ReLU or LeakyReLU after it so take no passes over memory of their own: the Winograd path
/// applies the epilogue in its output transform, the other paths in one pass after.
public struct ConvEpilogue: Sendable {
    /// Per output channel: the factor and the term.
    public let scale: [Float], shift: [Float]
    /// ReLU, LeakyReLU or nil (none).
    public let activation: ActivationKind?

    /// An epilogue over `scale.count` channels; nil when `activation` is neither ReLU nor LeakyReLU.
    public init?(scale: [Float], shift: [Float], activation: ActivationKind?) {
        precondition(scale.count == shift.count, "an epilogue needs one scale and one shift per channel")
        if let activation, activation.foldedKernel == nil { return nil }
        (self.scale, self.shift, self.activation) = (scale, shift, activation)
    }

    /// Runs `body` with the C description of `epilogue` after `bias` (either may be nil):
    /// scale * (x + bias) + shift = scale * x + (shift + scale * bias).
    static func describe<Result>(_ epilogue: ConvEpilogue?, bias: Tensor?,
                                 _ body: (UnsafePointer<ck_epilogue>) -> Result) -> Result {
        guard let epilogue else {
            var plain = ck_epilogue(scale: nil, shift: bias.map { UnsafePointer($0.pointer) }, activation: -1, slope: 0)
            return body(&plain)
        }
        let shift = bias.map { b in epilogue.shift.indices.map { epilogue.shift[$0] + epilogue.scale[$0] * b[$0] } } ?? epilogue.shift
        return epilogue.scale.withUnsafeBufferPointer { scale in
            shift.withUnsafeBufferPointer { shift in
                let (kind, slope) = epilogue.activation?.foldedKernel ?? (-1, 0)
                var description = ck_epilogue(scale: scale.baseAddress, shift: shift.baseAddress, activation: kind, slope: slope)
                return body(&description)
            }
        }
    }

    /// Applies the epilogue in place to `output` [N, C, ...], whose bias is already in.
    func apply(to output: Tensor) {
        let channels = output.shape[1], plane = output.count / max(1, output.shape[0] * channels)
        let items = output.count / max(1, plane)
        Self.describe(self, bias: nil) { description in
            let shared = UncheckedSendable((description, output.pointer))
            Parallelism.forEachChunk(items, costPerItem: plane) { range in
                ck_epilogue_apply(shared.value.0, shared.value.1, channels, plane, range.lowerBound, range.upperBound)
            }
        }
    }
}

extension ActivationKind {
    /// ReLU and LeakyReLU, which the pass that writes their input can apply as it writes: a
    /// convolution's epilogue (`ConvEpilogue`) or BatchNorm's training forward.
    public var foldsIntoPrecedingPass: Bool { foldedKernel != nil }

    /// The C kernels' code and slope of an activation that a pass writing its input can apply
    /// as it writes (`ck_epilogue`, `ck_channel_linear`): ReLU and LeakyReLU; nil for the others.
    var foldedKernel: (kind: Int32, slope: Float)? {
        switch self {
        case .relu: (Int32(CK_RELU.rawValue), 0)
        case .leakyReLU(let slope): (Int32(CK_LEAKY_RELU.rawValue), slope)
        default: nil
        }
    }
}
