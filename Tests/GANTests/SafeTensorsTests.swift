import DCGANData
import DCGANKit
import DCGANTensor
import Foundation
import Testing

@Suite struct SafeTensorsTests {
    /// A file's bytes from a header written out by hand and raw data.
    static func file(_ header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
        let json = Array(header.utf8)
        return withUnsafeBytes(of: (declaredLength ?? UInt64(json.count)).littleEndian) { Array($0) } + json + data
    }

    @Test func roundTripKeepsNamesShapesValuesAndMetadata() throws {
        let weight = Tensor(shape: [2, 3], values: [1, -2, 3.5, 0, .pi, -1e-7])
        let tensors: [(name: String, value: SafeTensors.Value)] = [
            ("main.0.weight", .float32(weight)), ("main.1.num_batches_tracked", .int64(shape: [], values: [123_456_789_012])),
            ("empty", .float32(Tensor(zeros: [0, 4]))),
        ]
        let bytes = try SafeTensors.encode(tensors, metadata: ["format": "pt"])
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
        #expect(headerLength % 8 == 0)
        let (decoded, metadata) = try SafeTensors.decode(bytes, path: "t.safetensors")
        #expect(metadata == ["format": "pt"])
        #expect(Set(decoded.map(\.name)) == Set(tensors.map(\.name)))
        for (name, value) in tensors { #expect(decoded.first { $0.name == name }?.value == value) }
        // The exact bytes of a known file, as the Python package writes it.
        let known = Self.file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 128, 63, 0, 0, 0, 192])
        #expect(try SafeTensors.decode(known, path: "k").tensors[0].value == .float32(Tensor(shape: [2], values: [1, -2])))
    }

    @Test func hostileHeadersGetOneLineErrors() throws {
        let f32 = { (offsets: String, shape: String) in #"{"dtype":"F32","shape":\#(shape),"data_offsets":\#(offsets)}"# }
        let data = [UInt8](repeating: 0, count: 16)
        let cases: [(bytes: [UInt8], mentions: String)] = [
            ([1, 2, 3], "shorter than its 8-byte header length"),
            (Self.file("{}", declaredLength: 1 << 40), "runs past the end of the file"),
            (Self.file("{}", declaredLength: UInt64.max), "runs past the end of the file"),
            (Self.file(#"{"a": [1, 2"#), "header is not a JSON object"),
            (Self.file("[1, 2]"), "header is not a JSON object"),
            (Self.file(#"{"a":{"dtype":"F32"}}"#), "'a' lacks a dtype, shape or two data_offsets"),
            (Self.file(#"{"a":\#(f32("[0, 16]", "[2, -2]"))}"#, data: data), "'a' lacks"),
            (Self.file(#"{"a":\#(f32("[0, 16]", "[1.5]"))}"#, data: data), "'a' lacks"),
            (Self.file(#"{"a":{"dtype":"F16","shape":[8],"data_offsets":[0,16]}}"#, data: data), "dtype F16"),
            // Lying offsets: past the data, reversed, or not the tensor's size.
            (Self.file(#"{"a":\#(f32("[0, 400]", "[100]"))}"#, data: data), "larger than the file"),
            (Self.file(#"{"a":\#(f32("[8, 4000]", "[1]"))}"#, data: data), "outside the 16 data bytes"),
            (Self.file(#"{"a":\#(f32("[12, 8]", "[1]"))}"#, data: data), "outside the 16 data bytes"),
            (Self.file(#"{"a":\#(f32("[0, 12]", "[4]"))}"#, data: data), "needs 16 bytes, its data_offsets span 12"),
            // Huge shapes whose byte count overflows.
            (Self.file(#"{"a":\#(f32("[0, 16]", "[4611686018427387904, 4]"))}"#, data: data), "larger than the file"),
            // Overlapping ranges, gaps, bytes that belong to no tensor.
            (Self.file(#"{"a":\#(f32("[0, 8]", "[2]")),"b":\#(f32("[4, 12]", "[2]"))}"#, data: data), "overlaps the tensor before it"),
            (Self.file(#"{"a":\#(f32("[0, 4]", "[1]")),"b":\#(f32("[8, 16]", "[2]"))}"#, data: data), "gap of 4 bytes before tensor 'b'"),
            (Self.file(#"{"a":\#(f32("[0, 8]", "[2]"))}"#, data: data), "8 bytes after the last tensor"),
            (Self.file(#"{"__metadata__":{"x":1}}"#), "__metadata__ is not an object of strings"),
        ]
        for (bytes, mentions) in cases {
            do {
                _ = try SafeTensors.decode(bytes, path: "evil.safetensors")
                Issue.record("accepted a file that should fail with '\(mentions)'")
            } catch let error as DataError {
                #expect(error.description.hasPrefix("evil.safetensors: not a valid safetensors file: "))
                #expect(error.description.contains(mentions), "\(error.description)")
                #expect(!error.description.contains("\n"))
            }
        }
    }

    @Test func pytorchNamesFollowTheExample() throws {
        var model = ModelConfig(imageSize: 64, channels: 3, nz: 100, ngf: 64, ndf: 64)
        let trainer = try GANTrainer(model: model, training: Tiny.training())
        let g = PyTorchStateDict.tensors(of: trainer.generator, batchesTracked: 7)
        // PyTorch's examples/dcgan Generator, state_dict() order.
        var expected: [(String, [Int])] = []
        let widths = [100, 512, 256, 128, 64]
        for layer in 0..<4 {
            let index = layer * 3
            expected += [("main.\(index).weight", [widths[layer], widths[layer + 1], 4, 4])]
            expected += ["weight", "bias", "running_mean", "running_var"].map { ("main.\(index + 1).\($0)", [widths[layer + 1]]) }
            expected += [("main.\(index + 1).num_batches_tracked", [])]
        }
        expected.append(("main.12.weight", [64, 3, 4, 4]))
        #expect(g.map(\.name) == expected.map(\.0))
        #expect(g.map(\.value.shape) == expected.map(\.1))
        #expect(g.first { $0.name == "main.1.num_batches_tracked" }?.value == .int64(shape: [], values: [7]))
        // The same tensors load back into a fresh generator; a wrong one is refused by name.
        let other = try GANTrainer(model: model, training: Tiny.training(seed: 99))
        try PyTorchStateDict.load(g, into: other.generator, path: "g.safetensors")
        #expect(other.generator.namedTensors.map(\.tensor.array) == trainer.generator.namedTensors.map(\.tensor.array))
        var renamed = g
        renamed[0].name = "main.0.wieght"
        #expect(throws: DataError(path: "g.safetensors", "holds no tensor 'main.0.weight' that the model needs")) {
            try PyTorchStateDict.load(renamed, into: other.generator, path: "g.safetensors")
        }
        var wrongType = g
        wrongType[0].value = .int64(shape: [], values: [1])
        #expect(throws: DataError.self) { try PyTorchStateDict.load(wrongType, into: other.generator, path: "g.safetensors") }
        // The example's shapes tell the model back.
        let d = PyTorchStateDict.tensors(of: trainer.discriminator, batchesTracked: 7)
        model.ndf = 64
        #expect(PyTorchCheckpoint.inferDCGAN(generator: g, discriminator: d) == model)
        #expect(PyTorchCheckpoint.inferDCGAN(generator: Array(g.prefix(3)), discriminator: nil) == nil)
    }
}
