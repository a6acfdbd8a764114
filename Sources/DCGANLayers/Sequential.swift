import DCGANTensor

/// Layers applied one after another; backward runs them in reverse.
public final class Sequential: Layer {
    /// The layers, in the order the input goes through them.
    public let layers: [Layer]
    /// A label for profiles ("G", "D").
    public var name: String
    /// Each layer's input shape in the last forward pass, kept only while profiling.
    private var inputShapes: [[Int]] = []
    /// The two buffers the layers' input gradients share in the backward pass.
    public let gradients = GradientArena()

    /// Every layer's parameters, in order; gathered once (the layers never change) so that
    /// zeroing and freezing allocate nothing in the training loop.
    public let parameters: [Parameter]

    /// Chains `layers`; `name` labels the network in profiles.
    public init(_ layers: [Layer], name: String = "net") {
        self.layers = layers
        self.name = name
        parameters = layers.flatMap(\.parameters)
    }

    /// The forward pass. A BatchNorm in training mode followed by an in-place ReLU or LeakyReLU
    /// applies the activation as it writes its output, and the activation takes that output as
    /// its own: the same values, one pass over memory fewer.
    public func forward(_ input: Tensor) -> Tensor {
        var x = input, index = 0
        if LayerProfiler.isEnabled { inputShapes = [] }
        while index < layers.count {
            let layer = layers[index]
            if LayerProfiler.isEnabled { inputShapes.append(x.shape) }
            if let norm = layer as? BatchNorm, let activation = trainingFusion(at: index) {
                x = LayerProfiler.measure(name, index, norm, "forward", flops: norm.forwardFLOPs(for: x.shape)) {
                    norm.forward(x, trainingActivation: activation.kind)
                }
                if LayerProfiler.isEnabled { inputShapes.append(x.shape) }
                x = LayerProfiler.measure(name, index + 1, activation, "forward", flops: activation.forwardFLOPs(for: x.shape)) {
                    activation.adoptOutput(x)
                }
                index += 2
            } else {
                x = LayerProfiler.measure(name, index, layer, "forward", flops: layer.forwardFLOPs(for: x.shape)) { layer.forward(x) }
                index += 1
            }
        }
        return x
    }

    /// The activation after the BatchNorm at `index` when it folds into that BatchNorm's
    /// training-mode forward pass.
    private func trainingFusion(at index: Int) -> Activation? {
        guard index + 1 < layers.count, let norm = layers[index] as? BatchNorm, norm.isTraining,
              let activation = layers[index + 1] as? Activation, activation.inPlace,
              activation.kind.foldsIntoPrecedingPass else { return nil }
        return activation
    }

    /// The forward pass for generating, with BatchNorm in evaluation mode: a convolution
    /// followed by BatchNorm and an in-place ReLU or LeakyReLU runs as one layer
    /// (`ConvEpilogue`), the normalisation and the activation applied as the convolution writes
    /// its output, with no passes over memory of their own. The folded layers keep nothing for a
    /// backward pass, so this is for inference only; the other layers (and BatchNorm in training
    /// mode) run as `forward` runs them.
    public func infer(_ input: Tensor) -> Tensor {
        var x = input, index = 0
        while index < layers.count {
            if let (layer, epilogue) = fusion(at: index) {
                x = LayerProfiler.measure(name, index, layer, "forward", flops: layer.forwardFLOPs(for: x.shape)) {
                    layer.forward(x, epilogue: epilogue)
                }
                index += 3
            } else {
                let layer = layers[index]
                x = LayerProfiler.measure(name, index, layer, "forward", flops: layer.forwardFLOPs(for: x.shape)) {
                    (layer as? Sequential)?.infer(x) ?? layer.forward(x)
                }
                index += 1
            }
        }
        return x
    }

    /// The layer at `index` and the epilogue of the BatchNorm (evaluation mode) and in-place
    /// activation after it, when they fold into it.
    private func fusion(at index: Int) -> (EpilogueFusing, ConvEpilogue)? {
        guard index + 2 < layers.count, let layer = layers[index] as? EpilogueFusing,
              let affine = (layers[index + 1] as? BatchNorm)?.inferenceAffine,
              let activation = layers[index + 2] as? Activation, activation.inPlace,
              let epilogue = ConvEpilogue(scale: affine.scale, shift: affine.shift, activation: activation.kind) else { return nil }
        return (layer, epilogue)
    }

    /// Runs the layers' backward passes in reverse with `gradients` as the current
    /// `GradientArena`: the layers' input gradients take its two buffers in turn, and the
    /// returned one lies in it until this network's next backward pass.
    public func backward(_ outputGradient: Tensor, inputGradientNeeded: Bool) -> Tensor {
        GradientArena.$current.withValue(gradients) {
            var gradient = outputGradient
            for (index, layer) in layers.enumerated().reversed() {
                let needed = index > 0 || inputGradientNeeded
                // Backward does one product per wanted gradient: the input's and the weights'.
                let products = (needed ? 1.0 : 0) + (layer.parameters.first.map { $0.isFrozen ? 0 : 1 } ?? 0)
                gradient = LayerProfiler.measure(name, index, layer, "backward",
                                                 flops: products * layer.forwardFLOPs(for: inputShapes[index])) {
                    layer.backward(gradient, inputGradientNeeded: needed)
                }
            }
            return gradient
        }
    }

    /// Running statistics, named by layer index so checkpoints can check them one by one.
    public var buffers: [(name: String, tensor: Tensor)] {
        layers.enumerated().flatMap { index, layer in layer.buffers.map { ("\(index).\($0.name)", $0.tensor) } }
    }

    /// Each layer's tensors under its index ("0.weight", "1.running_mean"), as PyTorch's `nn.Sequential` names them.
    public var namedTensors: [(name: String, tensor: Tensor)] {
        layers.enumerated().flatMap { index, layer in layer.namedTensors.map { ("\(index).\($0.name)", $0.tensor) } }
    }

    public func setTraining(_ training: Bool) { layers.forEach { $0.setTraining(training) } }

    /// The forward FLOPs of each layer for an input shape, in order.
    public func layerFLOPs(for inputShape: [Int]) -> [Double] {
        var shape = inputShape
        return layers.map { layer in
            defer { shape = layer.outputShape(for: shape) ?? shape }
            return layer.forwardFLOPs(for: shape)
        }
    }

    public func forwardFLOPs(for inputShape: [Int]) -> Double { layerFLOPs(for: inputShape).reduce(0, +) }

    public func outputShape(for inputShape: [Int]) -> [Int]? {
        layers.reduce(Optional(inputShape)) { shape, layer in shape.flatMap { layer.outputShape(for: $0) } }
    }
}
