import DCGANTensor

/// A pointwise non-linearity. With `inPlace` it overwrites its input in the forward pass (as
/// PyTorch's `inplace=True`) and the gradient it is given in the backward pass, which saves
/// two buffers and, more to the point, their memory traffic; its backward needs only its
/// output either way.
public final class Activation: Layer {
    /// The function applied to each element.
    public let kind: ActivationKind
    /// Whether the output overwrites the input (saves memory when nothing else needs the input).
    public let inPlace: Bool
    private var output = Tensor(zeros: [0])
    private var buffer = ReusableTensor(), inputGradient = ReusableTensor()

    /// An activation of `kind`.
    public init(_ kind: ActivationKind, inPlace: Bool = false) {
        switch kind {
        case .leakyReLU(let slope): precondition(slope > 0, "LeakyReLU slope must be positive")
        case .elu(let alpha): precondition(alpha > 0, "ELU alpha must be positive")
        default: break
        }
        self.kind = kind
        self.inPlace = inPlace
    }

    public func outputShape(for s: [Int]) -> [Int]? { s }

    public func forward(_ x: Tensor) -> Tensor {
        output = inPlace ? x : buffer.get(x.shape)
        ActivationKernel.forward(kind, input: x, output: output)
        return output
    }

    /// Takes `y`, to which the layer before applied this in-place activation as it wrote it
    /// (`Sequential`'s training-mode folding), as this forward pass's output.
    func adoptOutput(_ y: Tensor) -> Tensor {
        precondition(inPlace, "only an in-place activation can take its input as its output")
        output = y
        return y
    }

    public func backward(_ dy: Tensor, inputGradientNeeded: Bool) -> Tensor {
        guard inputGradientNeeded else { return dy }
        let dx = inPlace ? dy : inputGradient.inputGradient(dy.shape, outputGradient: dy)
        ActivationKernel.backward(kind, output: output, outputGradient: dy, inputGradient: dx)
        return dx
    }
}

/// Inverted dropout: in training, zeroes each element with probability `p` and scales the rest
/// by 1/(1-p); in evaluation, the identity.
public final class Dropout: Layer {
    /// Probability that an element is zeroed in training.
    public let probability: Float
    /// True: drop elements and scale the rest by 1 / (1 - p); false: pass the input through.
    public private(set) var isTraining = true
    private var rng: RandomGenerator
    private var mask = ReusableTensor(), output = ReusableTensor(), inputGradient = ReusableTensor()

    /// Dropout with drop probability `probability` and its own seeded random stream.
    public init(_ probability: Float, seed: UInt64 = 0) {
        precondition(probability >= 0 && probability < 1, "dropout probability must be in [0, 1)")
        self.probability = probability
        rng = RandomGenerator(seed: seed)
    }

    public func outputShape(for s: [Int]) -> [Int]? { s }

    public func forward(_ x: Tensor) -> Tensor {
        let m = mask.get(x.shape)
        let keep = 1 / (1 - probability)
        for i in 0..<x.count { m[i] = (isTraining && rng.nextUnitFloat() < probability) ? 0 : (isTraining ? keep : 1) }
        let y = output.get(x.shape)
        for i in 0..<x.count { y[i] = x[i] * m[i] }
        return y
    }

    public func backward(_ dy: Tensor, inputGradientNeeded: Bool) -> Tensor {
        let m = mask.get(dy.shape), dx = inputGradient.inputGradient(dy.shape, outputGradient: dy)
        for i in 0..<dy.count { dx[i] = dy[i] * m[i] }
        return dx
    }

    public func setTraining(_ training: Bool) { isTraining = training }
}

/// Nearest-neighbour upsampling by an integer factor (the "upsample + conv" generators).
public final class Upsample: Layer {
    /// How many times each pixel is repeated along each axis.
    public let factor: Int
    private var output = ReusableTensor(), inputGradient = ReusableTensor()
    private var inputShape: [Int] = []

    /// Nearest-neighbour upsampling by `factor`.
    public init(factor: Int = 2) { self.factor = factor }

    public func outputShape(for s: [Int]) -> [Int]? { s.count == 4 ? [s[0], s[1], s[2] * factor, s[3] * factor] : nil }

    public func forward(_ x: Tensor) -> Tensor {
        inputShape = x.shape
        let y = output.get(outputShape(for: x.shape)!)
        LayoutKernel.upsampleNearest(input: x, factor: factor, output: y)
        return y
    }

    public func backward(_ dy: Tensor, inputGradientNeeded: Bool) -> Tensor {
        let dx = inputGradient.inputGradient(inputShape, outputGradient: dy)
        LayoutKernel.upsampleNearestBackward(outputGradient: dy, factor: factor, inputGradient: dx)
        return dx
    }
}

/// Views the input with another per-sample shape (e.g. a projected z as [N, C, 4, 4]).
public final class Reshape: Layer {
    /// The shape of one example after the layer (the batch axis is kept).
    public let sampleShape: [Int]
    private var inputShape: [Int] = []

    /// Reshapes each example to `sampleShape` (same element count).
    public init(_ sampleShape: [Int]) { self.sampleShape = sampleShape }

    public func outputShape(for s: [Int]) -> [Int]? {
        s.dropFirst().reduce(1, *) == sampleShape.reduce(1, *) ? [s[0]] + sampleShape : nil
    }

    public func forward(_ x: Tensor) -> Tensor {
        inputShape = x.shape
        return x.reshaped([x.shape[0]] + sampleShape)
    }

    public func backward(_ dy: Tensor, inputGradientNeeded: Bool) -> Tensor { dy.reshaped(inputShape) }
}
