import Tensor

/// Layers applied one after another; backward runs them in reverse.
public final class Sequential: Layer {
    public let layers: [Layer]

    public init(_ layers: [Layer]) { self.layers = layers }

    public func forward(_ input: Tensor) -> Tensor {
        layers.reduce(input) { $1.forward($0) }
    }

    public func backward(_ outputGradient: Tensor, inputGradientNeeded: Bool) -> Tensor {
        var gradient = outputGradient
        for (index, layer) in layers.enumerated().reversed() {
            let needed = index > 0 || inputGradientNeeded
            gradient = layer.backward(gradient, inputGradientNeeded: needed)
        }
        return gradient
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// Running statistics, named by layer index so checkpoints can check them one by one.
    public var buffers: [(name: String, tensor: Tensor)] {
        layers.enumerated().flatMap { index, layer in layer.buffers.map { ("\(index).\($0.name)", $0.tensor) } }
    }

    public func setTraining(_ training: Bool) { layers.forEach { $0.setTraining(training) } }

    public func outputShape(for inputShape: [Int]) -> [Int]? {
        layers.reduce(Optional(inputShape)) { shape, layer in shape.flatMap { layer.outputShape(for: $0) } }
    }
}
