import DCGANData
import DCGANLayers
import DCGANTensor

/// A generator as an ONNX model (opset 17, IR version 8), encoded by hand with
/// `ProtobufWriter`: input "z" ([N] + the latent shape, float32, N dynamic), for a conditional
/// generator also "labels" (one-hot float32 [N, classes]), output "images" ([N, C, H, W] in
/// [-1, 1]). BatchNorm uses its running statistics (inference), as `dcgan sample` does.
public enum ONNXExport {
    /// The ONNX operator set the graph uses (17: the first with LayerNormalization).
    public static let opsetVersion: Int64 = 17
    /// IR version 8 is the first that opset 17 may use.
    public static let irVersion: Int64 = 8

    /// The model file's bytes for `generator` (a `Sequential` of the layers the tool's model
    /// families use), which takes `latentShape` per sample.
    public static func generator(_ generator: Layer, latentShape: [Int], classes: Int, producerVersion: String) throws -> [UInt8] {
        guard let network = generator as? Sequential else { throw ConfigError("ONNX export needs a Sequential generator") }
        var graph = ONNXGraph()
        var current = "z", shape = latentShape
        for (index, layer) in network.layers.enumerated() {
            guard let next = layer.outputShape(for: [1] + shape) else {
                throw ConfigError("layer \(index) (\(layer.kindName)) does not take the shape \(shape)")
            }
            current = try graph.add(layer, index: index, input: current, sampleShape: shape)
            shape = Array(next.dropFirst())
        }
        var inputs = [ONNXGraph.valueInfo(name: "z", sampleShape: latentShape)]
        if classes > 0 { inputs.append(ONNXGraph.valueInfo(name: "labels", sampleShape: [classes])) }
        graph.node("Identity", inputs: [current], outputs: ["images"])

        var model = ProtobufWriter()
        model.add(ModelField.irVersion, int: irVersion)
        model.add(ModelField.producerName, string: "dcgan")
        model.add(ModelField.producerVersion, string: producerVersion)
        model.add(ModelField.graph) { body in
            for node in graph.nodes { body.add(GraphField.node, message: node) }
            body.add(GraphField.name, string: "generator")
            for tensor in graph.initializers { body.add(GraphField.initializer, message: tensor) }
            for input in inputs { body.add(GraphField.input, message: input) }
            body.add(GraphField.output, message: ONNXGraph.valueInfo(name: "images", sampleShape: shape))
        }
        model.add(ModelField.opsetImport) { opset in
            opset.add(OpsetField.domain, string: "")
            opset.add(OpsetField.version, int: opsetVersion)
        }
        return model.bytes
    }

    /// Field numbers of onnx.proto.
    enum ModelField { static let irVersion = 1, producerName = 2, producerVersion = 3, graph = 7, opsetImport = 8 }
    enum GraphField { static let node = 1, name = 2, initializer = 5, input = 11, output = 12 }
    enum OpsetField { static let domain = 1, version = 2 }
}

/// The nodes and initializers of a graph under construction.
struct ONNXGraph {
    private(set) var nodes: [ProtobufWriter] = []
    private(set) var initializers: [ProtobufWriter] = []
    /// The labels reshaped to [N, K, 1, 1], made once for every joining layer.
    private var labelMap: String?

    enum NodeField { static let input = 1, output = 2, name = 3, opType = 4, attribute = 5 }
    enum AttributeField { static let name = 1, f = 2, i = 3, ints = 8, type = 20 }
    enum AttributeType { static let float: Int64 = 1, int: Int64 = 2, ints: Int64 = 7 }
    enum TensorField { static let dims = 1, dataType = 2, name = 8, rawData = 9 }
    enum DataType { static let float: Int64 = 1, int64: Int64 = 7 }
    enum ValueInfoField { static let name = 1, type = 2 }
    enum TypeField { static let tensorType = 1, elemType = 1, shape = 2, dim = 1, dimValue = 1, dimParam = 2 }

    enum Attribute {
        case int(String, Int)
        case ints(String, [Int])
        case float(String, Float)
    }

    /// A float32 input or output of [N, sampleShape...] with the batch dimension named "N".
    static func valueInfo(name: String, sampleShape: [Int]) -> ProtobufWriter {
        var info = ProtobufWriter()
        info.add(ValueInfoField.name, string: name)
        info.add(ValueInfoField.type) { type in
            type.add(TypeField.tensorType) { tensor in
                tensor.add(TypeField.elemType, int: DataType.float)
                tensor.add(TypeField.shape) { shape in
                    shape.add(TypeField.dim) { $0.add(TypeField.dimParam, string: "N") }
                    for size in sampleShape { shape.add(TypeField.dim) { $0.add(TypeField.dimValue, int: Int64(size)) } }
                }
            }
        }
        return info
    }

    mutating func node(_ op: String, inputs: [String], outputs: [String], attributes: [Attribute] = []) {
        var node = ProtobufWriter()
        for input in inputs { node.add(NodeField.input, string: input) }
        for output in outputs { node.add(NodeField.output, string: output) }
        node.add(NodeField.name, string: "\(op)_\(nodes.count)")
        node.add(NodeField.opType, string: op)
        for attribute in attributes {
            node.add(NodeField.attribute) { entry in
                switch attribute {
                case .int(let name, let value):
                    entry.add(AttributeField.name, string: name)
                    entry.add(AttributeField.i, int: Int64(value))
                    entry.add(AttributeField.type, int: AttributeType.int)
                case .ints(let name, let values):
                    entry.add(AttributeField.name, string: name)
                    for value in values { entry.add(AttributeField.ints, int: Int64(value)) }
                    entry.add(AttributeField.type, int: AttributeType.ints)
                case .float(let name, let value):
                    entry.add(AttributeField.name, string: name)
                    entry.add(AttributeField.f, float: value)
                    entry.add(AttributeField.type, int: AttributeType.float)
                }
            }
        }
        nodes.append(node)
    }

    /// A float32 constant; returns its name.
    @discardableResult
    mutating func constant(_ name: String, shape: [Int], values: [Float]) -> String {
        let raw = values.map(\.bitPattern.littleEndian).withUnsafeBytes { Array($0) }
        return constant(name, shape: shape, dataType: DataType.float, raw: raw)
    }

    /// An int64 constant; returns its name.
    mutating func constant(_ name: String, int64 values: [Int]) -> String {
        let raw = values.map { Int64($0).littleEndian }.withUnsafeBytes { Array($0) }
        return constant(name, shape: [values.count], dataType: DataType.int64, raw: raw)
    }

    private mutating func constant(_ name: String, shape: [Int], dataType: Int64, raw: [UInt8]) -> String {
        var tensor = ProtobufWriter()
        for size in shape { tensor.add(TensorField.dims, int: Int64(size)) }
        tensor.add(TensorField.dataType, int: dataType)
        tensor.add(TensorField.name, string: name)
        tensor.add(TensorField.rawData, bytes: raw)
        initializers.append(tensor)
        return name
    }

    /// The tensor under the example's name ("main.3.weight").
    private mutating func constant(_ tensor: Tensor, layer index: Int, _ name: String) -> String {
        constant("\(PyTorchStateDict.prefix).\(index).\(name)", shape: tensor.shape, values: tensor.array)
    }

    /// A normalisation's scale and shift: its own, or 1 and 0 when it learns none.
    private mutating func affine(_ scale: Parameter?, _ shift: Parameter?, count: Int, layer index: Int) -> [String] {
        [(scale, Float(1), "weight"), (shift, Float(0), "bias")].map { parameter, fill, name in
            parameter.map { constant($0.value, layer: index, name) }
                ?? constant("\(PyTorchStateDict.prefix).\(index).\(name)", shape: [count], values: Array(repeating: fill, count: count))
        }
    }

    /// The nodes of one layer reading `input` ([N] + `sampleShape`); returns the output's name.
    mutating func add(_ layer: Layer, index: Int, input: String, sampleShape: [Int]) throws -> String {
        let output = "layer\(index)"
        switch layer {
        case let conv as ConvTranspose2d:
            let g = conv.geometry
            var attributes: [Attribute] = [.ints("kernel_shape", [g.kernel, g.kernel]), .ints("strides", [g.stride, g.stride]),
                                           .ints("pads", [g.padding, g.padding, g.padding, g.padding])]
            if g.outputPadding != 0 { attributes.append(.ints("output_padding", [g.outputPadding, g.outputPadding])) }
            let weights = [constant(conv.weight.value, layer: index, "weight")] + (conv.bias.map { [constant($0.value, layer: index, "bias")] } ?? [])
            node("ConvTranspose", inputs: [input] + weights, outputs: [output], attributes: attributes)
        case let norm as BatchNorm:
            let channels = norm.runningMean.count
            node("BatchNormalization",
                 inputs: [input] + affine(norm.scale, norm.shift, count: channels, layer: index)
                     + [constant(norm.runningMean, layer: index, "running_mean"), constant(norm.runningVariance, layer: index, "running_var")],
                 outputs: [output], attributes: [.float("epsilon", norm.eps)])
        case let norm as LayerNorm:
            node("LayerNormalization", inputs: [input] + affine(norm.scale, norm.shift, count: norm.features, layer: index),
                 outputs: [output], attributes: [.int("axis", -1), .float("epsilon", norm.eps)])
        case let linear as Linear:
            let weights = [constant(linear.weight.value, layer: index, "weight")] + (linear.bias.map { [constant($0.value, layer: index, "bias")] } ?? [])
            node("Gemm", inputs: [input] + weights, outputs: [output], attributes: [.int("transB", 1)])
        case let activation as Activation:
            switch activation.kind {
            case .relu: node("Relu", inputs: [input], outputs: [output])
            case .tanh: node("Tanh", inputs: [input], outputs: [output])
            case .sigmoid: node("Sigmoid", inputs: [input], outputs: [output])
            case .leakyReLU(let slope): node("LeakyRelu", inputs: [input], outputs: [output], attributes: [.float("alpha", slope)])
            case .elu(let alpha): node("Elu", inputs: [input], outputs: [output], attributes: [.float("alpha", alpha)])
            }
        case let reshape as Reshape:
            // 0 copies the batch dimension from the input (Reshape's default allowzero = 0).
            node("Reshape", inputs: [input, constant("shape\(index)", int64: [0] + reshape.sampleShape)], outputs: [output])
        case let join as JoinLabels:
            node("Concat", inputs: [input, labels(classes: join.condition.classes, spatial: sampleShape.count == 3 ? Array(sampleShape.suffix(2)) : nil)],
                 outputs: [output], attributes: [.int("axis", 1)])
        default:
            throw ConfigError("ONNX export does not support the generator's layer \(index) (\(layer.kindName))")
        }
        return output
    }

    /// The one-hot labels in the form a joining layer needs: [N, K] for features, [N, K, H, W]
    /// (broadcast by multiplying with ones) for H x W feature maps.
    private mutating func labels(classes: Int, spatial: [Int]?) -> String {
        guard let spatial else { return "labels" }
        if labelMap == nil {
            labelMap = "labels_map"
            node("Reshape", inputs: ["labels", constant("labels_map_shape", int64: [0, classes, 1, 1])], outputs: [labelMap!])
        }
        if spatial == [1, 1] { return labelMap! }
        let name = "labels_\(spatial[0])x\(spatial[1])"
        let ones = constant("ones_\(spatial[0])x\(spatial[1])", shape: [1, classes] + spatial,
                            values: Array(repeating: 1, count: classes * spatial[0] * spatial[1]))
        node("Mul", inputs: [labelMap!, ones], outputs: [name])
        return name
    }
}
