import DCGANTensor

/// Weight initialisation schemes.
public enum Initializer {
    /// The DCGAN scheme (paper section 4): weights from N(0, 0.02), biases 0, BatchNorm scale
    /// from N(1, 0.02) and shift 0. Parameters are visited in order, so a seed fixes the result.
    public static func dcgan(_ parameters: [Parameter], rng: inout RandomGenerator, std: Float = 0.02) {
        for p in parameters {
            switch p.role {
            case .weight: rng.fillNormal(p.value, mean: 0, std: std)
            case .normScale: rng.fillNormal(p.value, mean: 1, std: std)
            case .bias, .normShift: p.value.fill(0)
            }
        }
    }

    /// PyTorch's default initialisation, for models that do not use the DCGAN scheme (the
    /// book's MLP GAN). Walks `layer` (into `Sequential`'s layers, in order) and gives each
    /// `Linear`, `Conv2d` and `ConvTranspose2d` weight and bias uniform numbers in [-b, b] with
    /// b = 1/sqrt(fan-in): kaiming_uniform_(a=sqrt(5)) gives the weight exactly that bound
    /// (gain sqrt(1/3) times sqrt(3/fan-in)) and PyTorch's bias rule uses it too. The fan-in is
    /// weight.shape[1] times the kernel's area, as PyTorch computes it for every kind, so for
    /// ConvTranspose2d (weight [in, out, k, k]) it is out * k * k. BatchNorm and LayerNorm get
    /// scale 1 and shift 0; layers without parameters are skipped. A layer with parameters of
    /// an unknown kind stops the program rather than being left uninitialised.
    public static func pytorchDefault(_ layer: Layer, rng: inout RandomGenerator) {
        forEachWeightLayer(layer, scheme: "pytorchDefault") { fanInUniform(weight: $0, bias: $1, rng: &rng) }
    }

    /// Keras's default initialisation (`glorot_uniform` kernels, zero biases), for the Keras
    /// tutorials' models: each `Linear`, `Conv2d` and `ConvTranspose2d` weight gets uniform
    /// numbers in [-l, l] with l = sqrt(6 / (fan-in + fan-out)), where the fans are the
    /// kernel's area times its input and output channels (Keras's `_compute_fans`; the sum is
    /// the same whichever way a transposed convolution's kernel is stored). BatchNorm gets
    /// scale 1 and shift 0, as Keras's BatchNormalization starts. Walks `layer` as
    /// `pytorchDefault` does and stops the program on parameters of an unknown kind.
    public static func glorotUniform(_ layer: Layer, rng: inout RandomGenerator) {
        forEachWeightLayer(layer, scheme: "glorotUniform") { glorot(weight: $0, bias: $1, rng: &rng) }
    }

    /// CNTK's `init=C.normal(scale: std)` as the CNTK MNIST tutorial sets it for every layer:
    /// weights from N(0, std), biases 0, and BatchNormalization at its own defaults (scale 1,
    /// shift 0), unlike `dcgan`, which draws the scale from N(1, std).
    public static func normalWeights(_ parameters: [Parameter], rng: inout RandomGenerator, std: Float = 0.02) {
        for p in parameters {
            switch p.role {
            case .weight: rng.fillNormal(p.value, mean: 0, std: std)
            case .normScale: p.value.fill(1)
            case .bias, .normShift: p.value.fill(0)
            }
        }
    }

    /// Walks `layer` in order (into `Sequential`'s layers), hands each `Linear`, `Conv2d` and
    /// `ConvTranspose2d` weight and bias to `rule`, and gives BatchNorm and LayerNorm scale 1 and
    /// shift 0; stops the program on parameters of any other kind rather than leave them
    /// uninitialised (`scheme` names the initialiser in that message).
    private static func forEachWeightLayer(_ layer: Layer, scheme: String, _ rule: (Parameter, Parameter?) -> Void) {
        switch layer {
        case let network as Sequential:
            for inner in network.layers { forEachWeightLayer(inner, scheme: scheme, rule) }
        case let linear as Linear: rule(linear.weight, linear.bias)
        case let conv as Conv2d: rule(conv.weight, conv.bias)
        case let conv as ConvTranspose2d: rule(conv.weight, conv.bias)
        case let norm as BatchNorm:
            norm.scale?.value.fill(1)
            norm.shift?.value.fill(0)
        case let norm as LayerNorm:
            norm.scale?.value.fill(1)
            norm.shift?.value.fill(0)
        default:
            precondition(layer.parameters.isEmpty, "Initializer.\(scheme): no rule for \(layer.kindName)'s parameters")
        }
    }

    private static func glorot(weight: Parameter, bias: Parameter?, rng: inout RandomGenerator) {
        let shape = weight.value.shape
        let area = shape.dropFirst(2).reduce(1, *)
        let limit = (6 / Float(area * (shape[0] + shape[1]))).squareRoot()
        rng.fillUniform(weight.value, -limit, limit)
        bias?.value.fill(0)
    }

    /// The input elements that meet each output of a weight [a, b, k...]: b * (product of k...).
    private static func pytorchFanIn(weightShape: [Int]) -> Int { weightShape.dropFirst().reduce(1, *) }

    private static func fanInUniform(weight: Parameter, bias: Parameter?, rng: inout RandomGenerator) {
        let fanIn = pytorchFanIn(weightShape: weight.value.shape)
        let bound = fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0
        rng.fillUniform(weight.value, -bound, bound)
        if let bias { rng.fillUniform(bias.value, -bound, bound) }
    }
}
