import DCGANTensor

/// Joins several [N, Ci, H, W] inputs along the channel axis (conditional GANs feed the label
/// maps to D this way) and splits the gradient back.
public final class ChannelConcat {
    private var output = ReusableTensor()
    private var gradients: [ReusableTensor] = []
    private var inputShapes: [[Int]] = []

    public init() {}

    public func forward(_ inputs: [Tensor]) -> Tensor {
        precondition(!inputs.isEmpty && inputs.allSatisfy { $0.rank == 4 && $0.shape[0] == inputs[0].shape[0]
            && $0.shape[2...] == inputs[0].shape[2...] }, "ChannelConcat: inputs must agree except in channels")
        inputShapes = inputs.map(\.shape)
        var shape = inputs[0].shape
        shape[1] = inputs.reduce(0) { $0 + $1.shape[1] }
        let y = output.get(shape)
        LayoutKernel.concatChannels(inputs, output: y)
        return y
    }

    /// The gradient of each input, in order.
    public func backward(_ outputGradient: Tensor) -> [Tensor] {
        if gradients.count != inputShapes.count { gradients = Array(repeating: ReusableTensor(), count: inputShapes.count) }
        let parts = inputShapes.indices.map { gradients[$0].get(inputShapes[$0]) }
        LayoutKernel.splitChannels(outputGradient, into: parts)
        return parts
    }
}
