import DCGANData
import DCGANKit
import DCGANTensor
import Foundation
import Testing

/// `dcgan export`, `dcgan import` and `dcgan sample --z/--raw` end to end on tiny models.
@Suite(.serialized) struct InterchangeCommandTests {
    static func succeed(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let outcome = try CommandLineTests.run(arguments)
        #expect(outcome.status == 0, "\(arguments): \(outcome.stderr)", sourceLocation: sourceLocation)
    }

    static func raw(_ path: String) throws -> (shape: [Int], values: [Float]) { try NPYReader.readFloat32(path: path) }

    @Test func latentVectorsReadInBothShapes() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        let folder = Tiny.folder("z-shapes"), run = folder + "/run"
        try CommandLineTests.trainTiny(into: run)
        var rng = RandomGenerator(seed: 3)
        let z = Tensor(zeros: [5, 8])
        rng.fillUniform(z, -1, 1)
        try AtomicFile.write(NPYWriter.encode(float32: z.array, shape: [5, 8]), to: folder + "/flat.npy", overwrite: false)
        try AtomicFile.write(NPYWriter.encode(float32: z.array, shape: [5, 8, 1, 1]), to: folder + "/map.npy", overwrite: false)
        try Self.succeed(["sample", "--checkpoint", run, "--z", folder + "/flat.npy", "--raw", folder + "/a.npy"])
        try Self.succeed(["sample", "--checkpoint", run, "--z", folder + "/map.npy", "--raw", folder + "/b.npy"])
        let (a, b) = (try Self.raw(folder + "/a.npy"), try Self.raw(folder + "/b.npy"))
        #expect(a.shape == [5, 1, 28, 28] && a.shape == b.shape && a.values == b.values)
        #expect(a.values.allSatisfy { abs($0) <= 1 } && Set(a.values).count > 100)
        #expect(!FileManager.default.fileExists(atPath: folder + "/samples.png"), "--raw alone writes no grid")
        try AtomicFile.write(NPYWriter.encode(float32: [Float](repeating: 0, count: 20), shape: [5, 4]), to: folder + "/short.npy", overwrite: false)
        try CommandLineTests.expectFailure(["sample", "--checkpoint", run, "--z", folder + "/short.npy", "--raw", folder + "/c.npy"],
                                           mentions: "the generator takes N x 8 latent vectors", mustNotExist: folder + "/c.npy")
    }

    @Test func exportThenImportSamplesTheSameImages() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        let folder = Tiny.folder("interchange"), run = folder + "/run"
        try CommandLineTests.trainTiny(into: run, ["--image-size", "32", "--channels", "3"])
        let g = folder + "/g.safetensors", d = folder + "/d.safetensors", back = folder + "/back.dcgan"
        try Self.succeed(["export", "--checkpoint", run, "--format", "safetensors", "--output", g, "--discriminator", d])
        let (tensors, metadata) = try SafeTensors.read(path: g)
        #expect(metadata["format"] == "pt" && metadata[PyTorchCheckpoint.MetadataKey.network] == "generator")
        #expect(tensors.map(\.name).first == "main.0.weight" && tensors.contains { $0.name == "main.1.num_batches_tracked" })
        // Two steps, one D step each: G normalised 2 batches, D 2 x 3.
        #expect(tensors.first { $0.name == "main.1.num_batches_tracked" }?.value == .int64(shape: [], values: [2]))
        #expect(try SafeTensors.read(path: d).tensors.first { $0.name == "main.3.num_batches_tracked" }?.value == .int64(shape: [], values: [6]))

        try Self.succeed(["import", "--generator", g, "--discriminator", d, "--output", back])
        try Self.succeed(["sample", "--checkpoint", run, "--count", "6", "--raw", folder + "/original.npy"])
        try Self.succeed(["sample", "--checkpoint", back, "--count", "6", "--raw", folder + "/imported.npy"])
        #expect(try Self.raw(folder + "/original.npy").values == Self.raw(folder + "/imported.npy").values)
        let (_, header) = try Checkpoint.load(path: back)
        #expect(header.model == ModelConfig(imageSize: 32, channels: 3, nz: 8, ngf: 4, ndf: 4))

        // Without our metadata the model comes from the tensors' shapes (ndf from D), z is normal.
        let bare = folder + "/bare.safetensors"
        try AtomicFile.write(try SafeTensors.encode(tensors), to: bare, overwrite: false)
        try Self.succeed(["import", "--generator", bare, "--output", folder + "/bare.dcgan"])
        let (_, bareHeader) = try Checkpoint.load(path: folder + "/bare.dcgan")
        #expect(bareHeader.model == ModelConfig(imageSize: 32, channels: 3, nz: 8, ngf: 4, ndf: 64))
        #expect(bareHeader.training.noise == .normal)

        // Refusals: existing output, a generator of another shape, a broken file, an unknown format.
        try CommandLineTests.expectFailure(["import", "--generator", g, "--output", back], mentions: "exists (pass --overwrite")
        try CommandLineTests.expectFailure(["import", "--generator", g, "--output", folder + "/x.dcgan", "--nz", "9"],
                                           mentions: "tensor 'main.0.weight' has shape [8, 16, 4, 4], the model needs [9, 16, 4, 4]",
                                           mustNotExist: folder + "/x.dcgan")
        try AtomicFile.write([8, 0, 0, 0, 0, 0, 0, 0] + Array("{\"a\":1}".utf8), to: folder + "/bad.safetensors", overwrite: false)
        try CommandLineTests.expectFailure(["import", "--generator", folder + "/bad.safetensors", "--output", folder + "/y.dcgan"],
                                           mentions: "bad.safetensors: not a valid safetensors file", mustNotExist: folder + "/y.dcgan")
        try CommandLineTests.expectFailure(["import", "--generator", g, "--output", folder + "/c.dcgan", "--conditional"],
                                           mentions: "--conditional does not apply to import", mustNotExist: folder + "/c.dcgan")
        try CommandLineTests.expectFailure(["export", "--checkpoint", run, "--format", "pickle", "--output", folder + "/z"],
                                           mentions: "unknown --format 'pickle'", mustNotExist: folder + "/z")
        try CommandLineTests.expectFailure(["export", "--checkpoint", run, "--format", "safetensors", "--output", g],
                                           mentions: "exists (pass --overwrite")
    }

    @Test func onnxGraphHasTheGeneratorsOperators() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        let folder = Tiny.folder("onnx"), run = folder + "/run", conditional = folder + "/cond", mlp = folder + "/mlp"
        try CommandLineTests.trainTiny(into: run)
        try Self.succeed(["export", "--checkpoint", run, "--format", "onnx", "--output", folder + "/g.onnx"])
        let model = try ProtobufReader([UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/g.onnx"))))
        #expect(model.first(1)?.int == 8 && model.first(2)?.string == "dcgan")
        let opset = try #require(model.first(8)?.message)
        #expect(opset.first(1)?.string == "" && opset.first(2)?.int == 17)
        let graph = try #require(model.first(7)?.message)
        let ops = graph.all(1).compactMap { $0.message?.first(4)?.string }
        // 28x28: ConvTranspose (7x7 base) + BN + ReLU, twice doubled, then Tanh.
        #expect(ops == ["ConvTranspose", "BatchNormalization", "Relu", "ConvTranspose", "BatchNormalization", "Relu",
                        "ConvTranspose", "Tanh", "Identity"])
        let initializers = graph.all(5).compactMap { $0.message }
        let first = try #require(initializers.first { $0.first(8)?.string == "main.0.weight" })
        #expect(first.all(1).compactMap(\.int) == [8, 8, 7, 7] && first.first(2)?.int == 1 && first.first(9)?.data?.count == 8 * 8 * 49 * 4)
        // z is [N, 8, 1, 1] with a named batch dimension; images [N, 1, 28, 28].
        func dims(_ info: ProtobufReader?) -> [String] {
            info?.first(2)?.message?.first(1)?.message?.first(2)?.message?.all(1).compactMap { $0.message }.map { dim in
                dim.first(2)?.string ?? String(dim.first(1)?.int ?? -1)
            } ?? []
        }
        #expect(graph.all(11).compactMap { $0.message?.first(1)?.string } == ["z"])
        #expect(dims(graph.first(11)?.message) == ["N", "8", "1", "1"])
        #expect(dims(graph.first(12)?.message) == ["N", "1", "28", "28"])

        // Conditional and fully connected generators use Concat, Mul, Gemm, LeakyRelu, LayerNormalization, Reshape.
        try CommandLineTests.trainTiny(into: conditional, ["--conditional"])
        let made = try CommandLineTests.run(["train", "--iterations", "2", "--out", mlp, "--dataset", "fake", "--nz", "8",
                                             "--batch-size", "8", "--sample-every", "0", "--model", "mlp", "--conditional",
                                             "--hidden", "16"])
        #expect(made.status == 0, "\(made.stderr)")
        var operators: Set<String> = []
        for source in [conditional, mlp] {
            try Self.succeed(["export", "--checkpoint", source, "--format", "onnx", "--output", source + ".onnx"])
            let graph = try #require(try ProtobufReader([UInt8](try Data(contentsOf: URL(fileURLWithPath: source + ".onnx")))).first(7)?.message)
            #expect(graph.all(11).compactMap { $0.message?.first(1)?.string } == ["z", "labels"])
            operators.formUnion(graph.all(1).compactMap { $0.message?.first(4)?.string })
        }
        #expect(operators.isSuperset(of: ["Concat", "Mul", "Reshape", "Gemm", "LeakyRelu", "LayerNormalization", "Tanh"]))
        try CommandLineTests.expectFailure(["export", "--checkpoint", run, "--format", "onnx", "--output", folder + "/g2.onnx",
                                            "--discriminator", folder + "/d.safetensors"], mentions: "--discriminator applies to --format safetensors only")
    }
}
