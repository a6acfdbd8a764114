import DCGANTensor

/// A layer whose forward pass can apply a per-channel affine map and a ReLU or LeakyReLU as it
/// writes its output (`Sequential.infer` folds an inference-mode BatchNorm and the activation
/// after it into the layer before).
public protocol EpilogueFusing: Layer {
    /// The forward pass through `epilogue` (nil: as `forward`).
    func forward(_ x: Tensor, epilogue: ConvEpilogue?) -> Tensor
}

/// A convolution layer, plain or transposed, with PyTorch's weight layout and semantics.
/// `Conv2d` and `ConvTranspose2d` are its two kinds.
public final class Convolution<Kernel: ConvolutionKernel>: EpilogueFusing {
    /// The weights, in PyTorch's layout for this kind of layer.
    public let weight: Parameter
    /// One bias per output channel or feature; nil when the layer has none (before BatchNorm).
    public let bias: Parameter?
    /// Kernel, stride and padding.
    public let geometry: ConvGeometry
    private var input = Tensor(zeros: [0])
    private var output = ReusableTensor(), inputGradient = ReusableTensor()
    private let workspace = ConvWorkspace()

    init(weightShape: [Int], outChannels: Int, geometry: ConvGeometry, bias: Bool) {
        self.geometry = geometry
        weight = Parameter("weight", role: .weight, shape: weightShape)
        self.bias = bias ? Parameter("bias", role: .bias, shape: [outChannels]) : nil
    }

    public var kindName: String { Kernel.name }

    public func outputShape(for s: [Int]) -> [Int]? {
        guard s.count == 4, s[1] == weight.value.shape[Kernel.inputChannelAxis] else { return nil }
        return Kernel.outputShape(input: s, weight: weight.value.shape, geometry: geometry)
    }

    public func forward(_ x: Tensor) -> Tensor { forward(x, epilogue: nil) }

    public func forward(_ x: Tensor, epilogue: ConvEpilogue?) -> Tensor {
        guard let shape = outputShape(for: x.shape) else {
            preconditionFailure("\(Kernel.name): input \(x.shape) does not fit weight \(weight.value.shape)")
        }
        input = x
        let y = output.get(shape)
        Kernel.forward(input: x, weight: weight.value, bias: bias?.value, geometry: geometry, output: y, workspace: workspace,
                       epilogue: epilogue)
        return y
    }

    public func backward(_ dy: Tensor, inputGradientNeeded: Bool) -> Tensor {
        let dx = inputGradientNeeded ? inputGradient.inputGradient(input.shape, outputGradient: dy) : nil
        Kernel.backward(input: input, weight: weight.value, outputGradient: dy, geometry: geometry, inputGradient: dx,
                        weightGradient: weight.gradientIfTrainable, biasGradient: bias?.gradientIfTrainable, workspace: workspace)
        return dx ?? dy
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    /// Every element on the large side meets weight.count / weight.shape[0] weights.
    public func forwardFLOPs(for s: [Int]) -> Double {
        guard let out = outputShape(for: s) else { return 0 }
        let largeSide = Kernel.isTransposed ? s : out
        return 2 * Double(largeSide.reduce(1, *)) * Double(weight.value.count / weight.value.shape[0])
    }
}

/// 2-D convolution, PyTorch's `nn.Conv2d` (weight [out, in, k, k]).
public typealias Conv2d = Convolution<Conv2DKernel>

/// Transposed 2-D convolution, PyTorch's `nn.ConvTranspose2d` (weight [in, out, k, k]).
public typealias ConvTranspose2d = Convolution<ConvTranspose2DKernel>

extension Convolution where Kernel == Conv2DKernel {
    /// A layer from `inChannels` to `outChannels` with PyTorch's arguments and default initialisation.
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true) {
        self.init(weightShape: [outChannels, inChannels, kernel, kernel], outChannels: outChannels,
                  geometry: ConvGeometry(kernel: kernel, stride: stride, padding: padding), bias: bias)
    }
}

extension Convolution where Kernel == ConvTranspose2DKernel {
    /// A layer from `inChannels` to `outChannels` with PyTorch's arguments and default initialisation.
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                            outputPadding: Int = 0, bias: Bool = true) {
        self.init(weightShape: [inChannels, outChannels, kernel, kernel], outChannels: outChannels,
                  geometry: ConvGeometry(kernel: kernel, stride: stride, padding: padding, outputPadding: outputPadding), bias: bias)
    }
}

/// Fully connected layer, PyTorch's `nn.Linear` (weight [out, in]); input [N, in].
public final class Linear: Layer {
    /// The weights, in PyTorch's layout for this kind of layer.
    public let weight: Parameter
    /// One bias per output channel or feature; nil when the layer has none (before BatchNorm).
    public let bias: Parameter?
    private var input = Tensor(zeros: [0])
    private var output = ReusableTensor(), inputGradient = ReusableTensor()

    /// A layer from `inFeatures` to `outFeatures`, weights [out, in] as PyTorch's `nn.Linear`.
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) {
        weight = Parameter("weight", role: .weight, shape: [outFeatures, inFeatures])
        self.bias = bias ? Parameter("bias", role: .bias, shape: [outFeatures]) : nil
    }

    public func outputShape(for s: [Int]) -> [Int]? {
        s.count == 2 && s[1] == weight.value.shape[1] ? [s[0], weight.value.shape[0]] : nil
    }

    public func forward(_ x: Tensor) -> Tensor {
        guard let shape = outputShape(for: x.shape) else { preconditionFailure("Linear: input \(x.shape) does not fit weight \(weight.value.shape)") }
        input = x
        let y = output.get(shape)
        LinearKernel.forward(input: x, weight: weight.value, bias: bias?.value, output: y)
        return y
    }

    public func backward(_ dy: Tensor, inputGradientNeeded: Bool) -> Tensor {
        let dx = inputGradientNeeded ? inputGradient.inputGradient(input.shape, outputGradient: dy) : nil
        LinearKernel.backward(input: input, weight: weight.value, outputGradient: dy, inputGradient: dx,
                              weightGradient: weight.gradientIfTrainable, biasGradient: bias?.gradientIfTrainable)
        return dx ?? dy
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func forwardFLOPs(for s: [Int]) -> Double { 2 * Double(s.reduce(1, *)) * Double(weight.value.shape[0]) }
}
