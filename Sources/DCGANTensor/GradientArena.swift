/// Two buffers that the input gradients of a chain of layers take in turn, so that a network's
/// backward pass keeps two gradient tensors, each as large as the largest, instead of one per
/// layer. A layer's input gradient is read only by the layer before it in the chain, which
/// writes its own into the other buffer; PyTorch gets the same effect by freeing each gradient
/// as it goes, while here a step still allocates nothing.
///
/// `Sequential.backward` makes its arena `current` while its layers run; a layer asks for its
/// input gradient with `ReusableTensor.inputGradient(_:outputGradient:)`, which takes the
/// buffer that does not hold the gradient the layer was given. Outside a `Sequential` (a layer
/// called on its own) layers keep their own buffers.
public final class GradientArena: @unchecked Sendable {
    /// The arena of the `Sequential` whose backward pass is running on this task, if any.
    @TaskLocal public static var current: GradientArena?

    private var slots: [TensorStorage?] = [nil, nil]

    /// An arena whose buffers grow on first use.
    public init() {}

    /// Floats the two buffers hold (for memory estimates and tests).
    public var capacity: Int { slots.reduce(0) { $0 + ($1?.count ?? 0) } }

    /// A tensor of `shape` in the buffer that does not hold `outputGradient`; its contents are
    /// whatever the last user left unless `zeroed`.
    func tensor(_ shape: [Int], avoiding outputGradient: Tensor, zeroed: Bool) -> Tensor {
        let slot = slots[0] === outputGradient.storage ? 1 : 0
        let count = shape.reduce(1, *)
        if let storage = slots[slot], storage.count >= count {
            let tensor = Tensor(shape: shape, viewing: storage)
            if zeroed { tensor.fill(0) }
            return tensor
        }
        // A grown buffer replaces the old one, which lives on while a tensor still holds it.
        let storage = TensorStorage(count: count)
        slots[slot] = storage
        return Tensor(shape: shape, viewing: storage)
    }
}

extension ReusableTensor {
    /// The input gradient of a backward pass that was given `outputGradient`: inside a
    /// `Sequential`'s backward, one of its `GradientArena`'s two buffers (not the one
    /// `outputGradient` lies in); elsewhere this holder's own tensor, as `get`.
    public mutating func inputGradient(_ shape: [Int], outputGradient: Tensor, zeroed: Bool = false) -> Tensor {
        if let arena = GradientArena.current { return arena.tensor(shape, avoiding: outputGradient, zeroed: zeroed) }
        return get(shape, zeroed: zeroed)
    }
}
