import DCGANTensor

/// What a parameter is, so that initialisers and optimisers can treat each kind as the paper does.
public enum ParameterRole: String, Sendable, Codable {
    /// A convolution's or linear layer's weight (initialised N(0, 0.02) by the DCGAN rule).
    case weight
    /// A bias (initialised to 0).
    case bias
    /// A normalisation layer's gain gamma (initialised N(1, 0.02)).
    case normScale
    /// A normalisation layer's offset beta (initialised to 0).
    case normShift
}

/// A trainable tensor and the gradient accumulated for it.
public final class Parameter: @unchecked Sendable {
    /// The name in state dicts (`weight`, `bias`, prefixed by the layer's path).
    public let name: String
    /// What the parameter is for (initialisers and weight clipping treat weights and biases differently).
    public let role: ParameterRole
    /// The current values.
    public let value: Tensor
    /// The gradient accumulated by backward passes since the last `zeroGradients`.
    public let gradient: Tensor
    /// A frozen parameter accumulates no gradient; its layer still passes gradients to its input.
    public var isFrozen = false

    /// A zero parameter of `shape` with a zero gradient.
    public init(_ name: String, role: ParameterRole, shape: [Int]) {
        self.name = name
        self.role = role
        value = Tensor(zeros: shape)
        gradient = Tensor(zeros: shape)
    }

    /// The gradient tensor a kernel should accumulate into, or nil when frozen.
    public var gradientIfTrainable: Tensor? { isFrozen ? nil : gradient }
}

/// A layer with an explicit forward and backward pass.
///
/// `forward` keeps what `backward` will need (its input, saved statistics); `backward` takes
/// dL/d(output), accumulates the parameters' gradients (+=, until `zeroGradients`) and returns
/// dL/d(input). The returned tensors are buffers the layer owns and reuses: a caller that
/// needs one after the layer's next call must copy it. Inside a `Sequential` the input
/// gradients share the network's two `GradientArena` buffers instead (a layer asks with
/// `ReusableTensor.inputGradient(_:outputGradient:)`), so one lasts only until the layer before
/// has run, and the network's returned gradient until its next backward pass.
public protocol Layer: AnyObject {
    /// The layer's output for a batch `input`; keeps what `backward` needs.
    func forward(_ input: Tensor) -> Tensor
    /// Accumulates the parameter gradients for `outputGradient` (dL/d(output) of the last
    /// `forward`) and returns dL/d(input).
    /// With `inputGradientNeeded` false the layer may skip dL/d(input) (the first layer of a
    /// network fed with data) and return any tensor.
    @discardableResult
    func backward(_ outputGradient: Tensor, inputGradientNeeded: Bool) -> Tensor
    /// Trainable parameters, in a stable order.
    var parameters: [Parameter] { get }
    /// Non-trainable state saved with the model (BatchNorm running statistics).
    var buffers: [(name: String, tensor: Tensor)] { get }
    /// Every tensor that defines the layer, under the names PyTorch's `state_dict` gives them
    /// ("weight", "running_mean"; "3.weight" inside a `Sequential`): parameters, then buffers,
    /// layer by layer. Checkpoints store and find tensors by these names.
    var namedTensors: [(name: String, tensor: Tensor)] { get }
    /// Switches between training behaviour (batch statistics, dropout) and evaluation.
    func setTraining(_ training: Bool)
    /// The output shape for an input shape, or nil if the input does not fit the layer.
    func outputShape(for inputShape: [Int]) -> [Int]?
    /// Floating-point operations of a forward pass over a batch of this shape: the matrix
    /// work of weight layers (each backward product costs as much again); 0 for the rest.
    func forwardFLOPs(for inputShape: [Int]) -> Double
    /// The layer's kind as profiles show it.
    var kindName: String { get }
}

extension Layer {
    /// None: a layer without weights.
    public var parameters: [Parameter] { [] }
    /// None: a layer without running state.
    public var buffers: [(name: String, tensor: Tensor)] { [] }
    /// The parameters' names and values, then the buffers.
    public var namedTensors: [(name: String, tensor: Tensor)] { parameters.map { ($0.name, $0.value) } + buffers }
    /// Nothing to switch: the layer behaves the same in training and evaluation.
    public func setTraining(_ training: Bool) {}
    /// 0: a layer without matrix work.
    public func forwardFLOPs(for inputShape: [Int]) -> Double { 0 }
    /// The type's name.
    public var kindName: String { String(describing: type(of: self)) }

    /// `forward(input)`, so that a layer can be called like a function.
    public func callAsFunction(_ input: Tensor) -> Tensor { forward(input) }
    /// `backward(outputGradient, inputGradientNeeded: true)`.
    @discardableResult
    public func backward(_ outputGradient: Tensor) -> Tensor { backward(outputGradient, inputGradientNeeded: true) }

    /// Sets every parameter gradient to zero.
    public func zeroGradients() { for p in parameters { p.gradient.fill(0) } }

    /// Freezes or unfreezes every parameter (see `Parameter.isFrozen`).
    public func setFrozen(_ frozen: Bool) { for p in parameters { p.isFrozen = frozen } }

    /// Number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}
