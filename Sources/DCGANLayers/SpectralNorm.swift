import DCGANTensor

/// A layer whose matrix work is done with one weight parameter (`Conv2d`, `ConvTranspose2d`,
/// `Linear`), so that `SpectralNorm` can stand between the trained weight and the layer.
public protocol WeightedLayer: Layer {
    /// The weight the layer computes with; its first axis is the one `SpectralNorm` keeps as rows.
    var weight: Parameter { get }
}

extension Convolution: WeightedLayer {}
extension Linear: WeightedLayer {}

/// What code that walks layers needs of a `SpectralNorm` without knowing the layer it wraps.
public protocol SpectralNormalized: Layer {
    /// The wrapped layer.
    var wrapped: Layer { get }
    /// Draws fresh unit vectors u and v from `rng` (a run's own stream, so that a seed fixes them).
    func resetVectors(rng: inout RandomGenerator)
}

/// Spectral normalisation (Miyato et al. 2018) as PyTorch's `torch.nn.utils.spectral_norm`
/// does it: the trained weight `weight_orig` (shape [out, ...], viewed as a matrix [out, rest])
/// is divided by its largest singular value sigma before the wrapped layer uses it.
///
/// Sigma is estimated with the vectors `weight_u` [out] and `weight_v` [rest], kept as buffers
/// (saved in checkpoints): each forward pass in training mode whose weight is trainable makes
/// one power iteration, v = normalize(W^T u), u = normalize(W v), then sigma = u^T W v. A
/// frozen weight (D while G trains) and evaluation mode make none and reuse the stored u and
/// v, so with the trainer's alternating updates the estimate moves twice per D update (its
/// real and its fake pass) and the G step sees D's sigma for D's current weights. PyTorch
/// iterates on every training-mode forward; the frozen pass is where this layer differs,
/// because u and v should follow the weights, which do not change while frozen.
///
/// Backward holds u and v constant, as PyTorch does: with G = dL/d(W/sigma) from the wrapped
/// layer, dL/dW = (G - <G, W/sigma> u v^T) / sigma.
public final class SpectralNorm<Inner: WeightedLayer>: SpectralNormalized {
    /// The layer that runs with the normalised weight (its own `weight` holds W / sigma).
    public let inner: Inner
    /// The trained weight W, PyTorch's `weight_orig`.
    public let weightOrig: Parameter
    /// The left singular vector estimate, PyTorch's `weight_u` ([out]).
    public let u: Tensor
    /// The right singular vector estimate, PyTorch's `weight_v` ([rest]).
    public let v: Tensor
    /// The sigma of the last forward pass (what the weight was divided by).
    public private(set) var sigma: Float = 1
    private var training = true
    private let rows: Int, columns: Int

    /// Wraps `inner`, taking its weight's shape for `weight_orig`; u and v are drawn from `rng`.
    public init(_ inner: Inner, rng: inout RandomGenerator) {
        self.inner = inner
        let shape = inner.weight.value.shape
        rows = shape[0]
        columns = inner.weight.value.count / rows
        weightOrig = Parameter("weight_orig", role: .weight, shape: shape)
        weightOrig.value.assign(from: inner.weight.value)
        u = Tensor(zeros: [rows])
        v = Tensor(zeros: [columns])
        resetVectors(rng: &rng)
    }

    /// The wrapped layer, as any `Layer`.
    public var wrapped: Layer { inner }

    /// New unit vectors u and v, normally distributed before normalising (as PyTorch starts them).
    public func resetVectors(rng: inout RandomGenerator) {
        for vector in [u, v] {
            rng.fillNormal(vector)
            Self.normalize(vector)
        }
    }

    /// `weight_orig`, then the wrapped layer's other parameters (its bias).
    public var parameters: [Parameter] { [weightOrig] + inner.parameters.filter { $0 !== inner.weight } }
    /// `weight_u` and `weight_v`, as PyTorch names them, then the wrapped layer's buffers.
    public var buffers: [(name: String, tensor: Tensor)] { [("weight_u", u), ("weight_v", v)] + inner.buffers }
    public func setTraining(_ training: Bool) {
        self.training = training
        inner.setTraining(training)
    }
    public func outputShape(for inputShape: [Int]) -> [Int]? { inner.outputShape(for: inputShape) }
    public func forwardFLOPs(for inputShape: [Int]) -> Double { inner.forwardFLOPs(for: inputShape) }
    public var kindName: String { "SpectralNorm(\(inner.kindName))" }

    public func forward(_ input: Tensor) -> Tensor {
        let w = weightOrig.value.pointer
        if training && !weightOrig.isFrozen { powerIteration() }
        // sigma = u^T W v, accumulated in Double: W may hold millions of weights.
        var product = 0.0
        for row in 0..<rows {
            var sum: Float = 0
            for column in 0..<columns { sum += w[row * columns + column] * v[column] }
            product += Double(u[row] * sum)
        }
        sigma = Float(product)
        let normalized = inner.weight.value.pointer, scale = 1 / sigma
        for i in 0..<rows * columns { normalized[i] = w[i] * scale }
        return inner.forward(input)
    }

    public func backward(_ outputGradient: Tensor, inputGradientNeeded: Bool) -> Tensor {
        let g = inner.weight.gradient
        inner.weight.isFrozen = weightOrig.isFrozen
        if !weightOrig.isFrozen { g.fill(0) }
        let inputGradient = inner.backward(outputGradient, inputGradientNeeded: inputGradientNeeded)
        guard !weightOrig.isFrozen else { return inputGradient }
        let normalized = inner.weight.value.pointer, gradient = g.pointer, target = weightOrig.gradient.pointer
        var dot = 0.0  // <G, W / sigma>
        for i in 0..<rows * columns { dot += Double(gradient[i] * normalized[i]) }
        let projection = Float(dot), scale = 1 / sigma
        for row in 0..<rows {
            let uRow = projection * u[row]
            for column in 0..<columns {
                let i = row * columns + column
                target[i] += (gradient[i] - uRow * v[column]) * scale
            }
        }
        return inputGradient
    }

    /// One step of the power method on W: v = normalize(W^T u), u = normalize(W v).
    private func powerIteration() {
        let w = weightOrig.value.pointer
        v.fill(0)
        for row in 0..<rows {
            let weight = u[row]
            for column in 0..<columns { v.pointer[column] += w[row * columns + column] * weight }
        }
        Self.normalize(v)
        for row in 0..<rows {
            var sum: Float = 0
            for column in 0..<columns { sum += w[row * columns + column] * v[column] }
            u.pointer[row] = sum
        }
        Self.normalize(u)
    }

    /// Divides `vector` by its length, with PyTorch's eps = 1e-12 as the smallest length.
    private static func normalize(_ vector: Tensor) {
        var squares = 0.0
        for i in 0..<vector.count { squares += Double(vector[i] * vector[i]) }
        let scale = Float(1 / max(squares.squareRoot(), 1e-12))
        for i in 0..<vector.count { vector.pointer[i] *= scale }
    }
}
