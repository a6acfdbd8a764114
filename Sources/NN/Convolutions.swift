import Tensor

/// 2-D convolution, PyTorch's `nn.Conv2d` (weight [out, in, k, k]).
public final class Conv2d: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let geometry: ConvGeometry
    private var input = Tensor(zeros: [0])
    private var output = ReusableTensor(), inputGradient = ReusableTensor()
    private let workspace = ConvWorkspace()

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true) {
        geometry = ConvGeometry(kernel: kernel, stride: stride, padding: padding)
        weight = Parameter("weight", role: .weight, shape: [outChannels, inChannels, kernel, kernel])
        self.bias = bias ? Parameter("bias", role: .bias, shape: [outChannels]) : nil
    }

    public func outputShape(for s: [Int]) -> [Int]? {
        guard s.count == 4, s[1] == weight.value.shape[1] else { return nil }
        return Conv2DKernel.outputShape(input: s, weight: weight.value.shape, geometry: geometry)
    }

    public func forward(_ x: Tensor) -> Tensor {
        guard let shape = outputShape(for: x.shape) else { preconditionFailure("Conv2d: input \(x.shape) does not fit weight \(weight.value.shape)") }
        input = x
        let y = output.get(shape)
        Conv2DKernel.forward(input: x, weight: weight.value, bias: bias?.value, geometry: geometry, output: y, workspace: workspace)
        return y
    }

    public func backward(_ dy: Tensor, inputGradientNeeded: Bool) -> Tensor {
        let dx = inputGradientNeeded ? inputGradient.get(input.shape) : nil
        Conv2DKernel.backward(input: input, weight: weight.value, outputGradient: dy, geometry: geometry, inputGradient: dx,
                              weightGradient: weight.gradientIfTrainable, biasGradient: bias?.gradientIfTrainable,
                              workspace: workspace)
        return dx ?? dy
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func forwardFLOPs(for s: [Int]) -> Double {
        guard let out = outputShape(for: s) else { return 0 }
        return 2 * Double(out.reduce(1, *)) * Double(weight.value.count / weight.value.shape[0])
    }
}

/// Transposed 2-D convolution, PyTorch's `nn.ConvTranspose2d` (weight [in, out, k, k]).
public final class ConvTranspose2d: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let geometry: ConvGeometry
    private var input = Tensor(zeros: [0])
    private var output = ReusableTensor(), inputGradient = ReusableTensor()
    private let workspace = ConvWorkspace()

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, bias: Bool = true) {
        geometry = ConvGeometry(kernel: kernel, stride: stride, padding: padding, outputPadding: outputPadding)
        weight = Parameter("weight", role: .weight, shape: [inChannels, outChannels, kernel, kernel])
        self.bias = bias ? Parameter("bias", role: .bias, shape: [outChannels]) : nil
    }

    public func outputShape(for s: [Int]) -> [Int]? {
        guard s.count == 4, s[1] == weight.value.shape[0] else { return nil }
        return ConvTranspose2DKernel.outputShape(input: s, weight: weight.value.shape, geometry: geometry)
    }

    public func forward(_ x: Tensor) -> Tensor {
        guard let shape = outputShape(for: x.shape) else { preconditionFailure("ConvTranspose2d: input \(x.shape) does not fit weight \(weight.value.shape)") }
        input = x
        let y = output.get(shape)
        ConvTranspose2DKernel.forward(input: x, weight: weight.value, bias: bias?.value, geometry: geometry, output: y,
                                      workspace: workspace)
        return y
    }

    public func backward(_ dy: Tensor, inputGradientNeeded: Bool) -> Tensor {
        let dx = inputGradientNeeded ? inputGradient.get(input.shape) : nil
        ConvTranspose2DKernel.backward(input: input, weight: weight.value, outputGradient: dy, geometry: geometry,
                                       inputGradient: dx, weightGradient: weight.gradientIfTrainable,
                                       biasGradient: bias?.gradientIfTrainable, workspace: workspace)
        return dx ?? dy
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func forwardFLOPs(for s: [Int]) -> Double {
        2 * Double(s.reduce(1, *)) * Double(weight.value.count / weight.value.shape[0])
    }
}

/// Fully connected layer, PyTorch's `nn.Linear` (weight [out, in]); input [N, in].
public final class Linear: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    private var input = Tensor(zeros: [0])
    private var output = ReusableTensor(), inputGradient = ReusableTensor()

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
        let dx = inputGradientNeeded ? inputGradient.get(input.shape) : nil
        LinearKernel.backward(input: input, weight: weight.value, outputGradient: dy, inputGradient: dx,
                              weightGradient: weight.gradientIfTrainable, biasGradient: bias?.gradientIfTrainable)
        return dx ?? dy
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func forwardFLOPs(for s: [Int]) -> Double { 2 * Double(s.reduce(1, *)) * Double(weight.value.shape[0]) }
}
