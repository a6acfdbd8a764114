import DCGANLayers
import DCGANTensor

/// Guided backpropagation (Springenberg et al., 2014), the visualisation of the paper's
/// section 6.2 (Fig. 5): the gradient of one feature activation with respect to the input
/// image, with every rectifier letting the gradient through only where its forward input was
/// positive and the gradient arriving from above is positive.
///
/// The network is run layer by layer with the layers' own forward and backward passes; only
/// the backward of the rectifiers (ReLU, LeakyReLU) is replaced by the gated one, computed
/// from the rectifier's input saved during the forward pass. Parameter gradients accumulate in
/// the layers as in any backward pass: freeze the network (`setFrozen(true)`) to skip them.
public enum GuidedBackprop {
    /// Whether guided backpropagation gates `layer` (a ReLU or LeakyReLU activation).
    public static func isRectifier(_ layer: Layer) -> Bool {
        guard let activation = layer as? Activation else { return false }
        switch activation.kind {
        case .relu, .leakyReLU: return true
        default: return false
        }
    }

    /// The indices in `network.layers` whose output is an activation (any `Activation`): the
    /// layers whose units can be visualised.
    public static func activationLayerIndices(_ network: Sequential) -> [Int] {
        network.layers.indices.filter { network.layers[$0] is Activation }
    }

    /// The guided gradient through a rectifier, written into `inputGradient` (same shape):
    /// `outputGradient[i]` where both `input[i] > 0` and `outputGradient[i] > 0`, else 0.
    /// (Where the input is positive both ReLU and LeakyReLU have slope 1.)
    public static func gate(input: Tensor, outputGradient: Tensor, inputGradient: Tensor) {
        precondition(input.count == outputGradient.count && input.count == inputGradient.count,
                     "GuidedBackprop.gate: shapes differ")
        let x = input.pointer, dy = outputGradient.pointer, dx = inputGradient.pointer
        for i in 0..<input.count {
            dx[i] = x[i] > 0 && dy[i] > 0 ? dy[i] : 0
        }
    }

    /// What a forward pass through the first layers of a network keeps for the guided
    /// backward pass.
    public struct Trace {
        /// The output of the last layer run (a copy: [N, channels, ...]).
        public let output: Tensor
        /// The input of each rectifier that was run, by layer index (copies: the tool's
        /// activations work in place and overwrite their input).
        public let rectifierInputs: [Int: Tensor]
        /// The index of the last layer run.
        public let lastLayer: Int
    }

    /// Runs `input` through `network.layers[0...lastLayer]`, keeping every rectifier's input.
    /// Set the network's mode first (`setTraining(false)` for BatchNorm's running statistics).
    public static func forward(_ network: Sequential, input: Tensor, through lastLayer: Int) -> Trace {
        precondition(network.layers.indices.contains(lastLayer), "GuidedBackprop.forward: no layer \(lastLayer)")
        var x = input
        var rectifierInputs: [Int: Tensor] = [:]
        for index in 0...lastLayer {
            let layer = network.layers[index]
            if isRectifier(layer) { rectifierInputs[index] = x.copy() }
            x = layer.forward(x)
        }
        return Trace(output: x.copy(), rectifierInputs: rectifierInputs, lastLayer: lastLayer)
    }

    /// dL/d(input) for dL/d(output of `trace.lastLayer`) = `outputGradient`, through the layers
    /// that `forward` ran (which must not have been run since). With `guided` the rectifiers
    /// use `gate`; without it every layer uses its ordinary backward (the plain gradient).
    public static func backward(_ network: Sequential, trace: Trace, outputGradient: Tensor, guided: Bool = true) -> Tensor {
        // The layers may overwrite the gradient they are given (in-place activations).
        var gradient = outputGradient.copy()
        for index in stride(from: trace.lastLayer, through: 0, by: -1) {
            let layer = network.layers[index]
            if guided, let input = trace.rectifierInputs[index] {
                let gated = Tensor(zeros: gradient.shape)
                gate(input: input, outputGradient: gradient, inputGradient: gated)
                gradient = gated
            } else {
                gradient = layer.backward(gradient, inputGradientNeeded: true)
            }
        }
        return gradient.copy()
    }

    /// The `count` channels of `activations` ([N, C, ...]) with the highest mean activation
    /// over all images and positions, highest first (ties: lower channel first).
    public static func topUnits(_ activations: Tensor, count: Int) -> [Int] {
        let n = activations.shape[0], channels = activations.shape[1]
        let plane = activations.count / max(n * channels, 1)
        var means = [Double](repeating: 0, count: channels)
        for s in 0..<n {
            for c in 0..<channels {
                let base = (s * channels + c) * plane
                for p in 0..<plane { means[c] += Double(activations[base + p]) }
            }
        }
        let order = (0..<channels).sorted { means[$0] != means[$1] ? means[$0] > means[$1] : $0 < $1 }
        return Array(order.prefix(count))
    }

    /// Guided gradients of unit `unit` of `trace.output` for every image of the batch: for each
    /// image, the gradient of its single largest activation of that channel (the first one if
    /// several tie). [N] + input shape. The images are independent only when the layers treat
    /// them so (BatchNorm in inference mode).
    public static func unitGradients(_ network: Sequential, trace: Trace, unit: Int, guided: Bool = true) -> Tensor {
        let activations = trace.output
        let n = activations.shape[0], channels = activations.shape[1]
        precondition((0..<channels).contains(unit), "GuidedBackprop.unitGradients: no unit \(unit)")
        let plane = activations.count / max(n * channels, 1)
        let seed = Tensor(zeros: activations.shape)
        for s in 0..<n {
            let base = (s * channels + unit) * plane
            var best = 0
            for p in 1..<max(plane, 1) where activations[base + p] > activations[base + best] { best = p }
            seed[base + best] = 1
        }
        return backward(network, trace: trace, outputGradient: seed, guided: guided)
    }

    /// Each image of `maps` ([N, ...]) scaled by its largest absolute value into [-1, 1], so
    /// that zero gradient shows as mid-grey (an all-zero map stays zero).
    public static func normalised(_ maps: Tensor) -> Tensor {
        let result = maps.copy()
        let n = maps.shape[0], size = maps.count / max(n, 1)
        for s in 0..<n {
            var largest: Float = 0
            for i in 0..<size { largest = max(largest, abs(result[s * size + i])) }
            guard largest > 0 else { continue }
            for i in 0..<size { result[s * size + i] /= largest }
        }
        return result
    }
}
