import DCGANData
import DCGANKit
import DCGANLayers
import DCGANTensor
import Foundation
import Testing

/// The tutorials' own models (`--model keras-cifar10 | upsample-elu | cntk-mnist`): their
/// shapes and sizes as the seeds give them, their settings, their refusals, and a run of each
/// through the tool.
@Suite(.serialized) struct TutorialModelTests {
    static let presets: [Architecture] = [.kerasCIFAR10, .upsampleELU, .cntkMNIST]

    /// G maps z to one image of the preset's size, D an image to one logit, in real passes
    /// (not only by the shape formulas); tanh keeps the images in [-1, 1].
    @Test(arguments: presets)
    func networksMapZToImagesAndImagesToOneLogit(_ architecture: Architecture) throws {
        let model = ModelConfig.defaults(for: architecture)
        try model.validate()
        let (g, d, condition) = ModelZoo.networks(for: model)
        #expect(condition == nil)
        var rng = RandomGenerator(seed: 4)
        ModelZoo.initialize(g, for: architecture, rng: &rng)
        ModelZoo.initialize(d, for: architecture, rng: &rng)
        let images = g.forward(Tensor.uniform([3] + model.latentShape, -1, 1, rng: &rng))
        #expect(images.shape == [3, model.channels, architecture.fixedImageSize!, architecture.fixedImageSize!])
        #expect(images.array.allSatisfy { $0 >= -1 && $0 <= 1 })
        #expect(d.forward(images).shape == [3, 1])
    }

    /// The Keras tutorial's `summary()` tables: 6,264,579 parameters in G and 790,913 in D for
    /// 32x32x3 and z 32, and D's maps 30x30, 14x14, 6x6, 2x2 of 128 channels.
    @Test func kerasPairMatchesTheTutorialsSummary() {
        let model = ModelConfig.defaults(for: .kerasCIFAR10)
        #expect(model.nz == 32 && model.channels == 3)
        let (g, d, _) = ModelZoo.networks(for: model)
        #expect(g.parameterCount == 6_264_579)
        #expect(d.parameterCount == 790_913)
        var shape = [1, 3, 32, 32], sides: [Int] = []
        for layer in d.layers {
            shape = layer.outputShape(for: shape)!
            if layer is Conv2d { sides.append(shape[2]) }
        }
        #expect(sides == [30, 14, 6, 2])
        #expect(d.layers.contains { ($0 as? Dropout)?.probability == 0.5 })
    }

    /// CNTK's pair: G's maps 7x7x128 -> 14x14x128 -> 28x28x1 (the transposed convolutions'
    /// output padding doubles the side), D's 12x12x1 -> 4x4x64 -> 1024; BatchNorm after every
    /// layer but G's output and D's logit.
    @Test func cntkPairFollowsTheTutorial() {
        let (g, d, _) = ModelZoo.networks(for: ModelConfig.defaults(for: .cntkMNIST))
        func maps(_ network: Sequential, from input: [Int]) -> [[Int]] {
            var shape = input, out: [[Int]] = []
            for layer in network.layers {
                shape = layer.outputShape(for: shape)!
                if layer is ConvTranspose2d || layer is Conv2d || layer is Linear { out.append(Array(shape.dropFirst())) }
            }
            return out
        }
        #expect(maps(g, from: [1, 100]) == [[1024], [6272], [128, 14, 14], [1, 28, 28]])
        #expect(maps(d, from: [1, 1, 28, 28]) == [[1, 12, 12], [64, 4, 4], [1024], [1]])
        #expect(g.layers.filter { $0 is BatchNorm }.count == 3 && d.layers.filter { $0 is BatchNorm }.count == 3)
        #expect(g.parameterCount == 6_947_713 && d.parameterCount == 1_054_493)  // the figures docs/MODELS.md gives
    }

    /// The glyph tutorial's G reads z as 4x4 maps and upsamples three times through ELU layers.
    @Test func upsampleELUGeneratorFollowsTheTutorial() {
        let g = ModelZoo.generator(for: ModelConfig.defaults(for: .upsampleELU), condition: nil)
        #expect(g.layers.filter { $0 is Upsample }.count == 3)
        #expect(g.layers.compactMap { ($0 as? Activation)?.kind }.filter { $0 == .elu(alpha: 1) }.count == 2)
        #expect(g.layers.compactMap { $0 as? Conv2d }.map { $0.weight.value.shape } == [[64, 4, 3, 3], [128, 64, 3, 3], [128, 128, 3, 3], [1, 128, 5, 5]])
        let d = ModelZoo.discriminator(for: ModelConfig.defaults(for: .upsampleELU), condition: nil)
        #expect(g.parameterCount == 227_521 && d.parameterCount == 8_762_369)  // the figures docs/MODELS.md gives
    }

    @Test func eachPresetStartsFromItsTutorialsSettings() {
        let keras = TrainingConfig.defaults(for: .kerasCIFAR10)
        #expect(keras.optimizer == .rmsprop && keras.noise == .normal && keras.batchSize == 20)
        #expect(keras.rmspropLearningRateD == 8e-4 && keras.rmspropLearningRateG == 4e-4 && keras.rmspropClip == 1)
        let cntk = TrainingConfig.defaults(for: .cntkMNIST)
        #expect(cntk.discriminatorSteps == 2 && cntk.optimizer == .adam && cntk.learningRate == 2e-4 && cntk.beta1 == 0.5 && cntk.batchSize == 128)
        let glyphs = TrainingConfig.defaults(for: .upsampleELU)
        #expect(glyphs.noise == .uniform && glyphs.learningRate(generator: false) == 1e-5 && glyphs.learningRate(generator: true) == 2e-4)
    }

    /// A preset's size is fixed, it has no conditional form, and the glyph G needs z in 4x4 maps.
    @Test func impossibleSettingsAreRefused() {
        func message(_ change: (inout ModelConfig) -> Void, _ architecture: Architecture) -> String {
            var model = ModelConfig.defaults(for: architecture)
            change(&model)
            do { try model.validate(); return "" } catch { return "\(error)" }
        }
        #expect(message({ $0.imageSize = 64 }, .kerasCIFAR10).contains("32x32 images only, not 64x64"))
        #expect(message({ $0.imageSize = 32 }, .cntkMNIST).contains("28x28 images only"))
        #expect(message({ $0.classes = 10 }, .upsampleELU).contains("no conditional form"))
        #expect(message({ $0.nz = 30 }, .upsampleELU).contains("multiple of 16"))
        #expect(message({ _ in }, .cntkMNIST).isEmpty)
    }

    /// Weights drawn as each framework does: Keras's glorot bound for its D's first layer,
    /// CNTK's N(0, 0.02) for its D's dense layer, and the same seed gives the same numbers.
    @Test func initialisationFollowsEachFramework() {
        func initialised(_ architecture: Architecture) -> Sequential {
            let d = ModelZoo.discriminator(for: ModelConfig.defaults(for: architecture), condition: nil)
            var rng = RandomGenerator(seed: 8)
            ModelZoo.initialize(d, for: architecture, rng: &rng)
            return d
        }
        let first = initialised(.kerasCIFAR10).layers.first as! Conv2d
        let limit = Float((6.0 / Double(9 * (3 + 128))).squareRoot())
        #expect(first.weight.value.array.allSatisfy { abs($0) <= limit } && first.weight.value.array.map(abs).max()! > 0.9 * limit)
        let cntk = initialised(.cntkMNIST), again = initialised(.cntkMNIST)
        #expect(cntk.parameters.map(\.value.array) == again.parameters.map(\.value.array))
        let weights = cntk.layers.compactMap { $0 as? Linear }.first!.weight.value.array.map(Double.init)
        let std = (weights.map { $0 * $0 }.reduce(0, +) / Double(weights.count)).squareRoot()
        #expect(abs(std - 0.02) < 0.001)
    }

    static func training(_ architecture: Architecture) -> TrainingConfig {
        var t = TrainingConfig.defaults(for: architecture)
        (t.dataset, t.batchSize, t.iterations) = ("fake", 2, 1)
        return t
    }

    /// A step changes G, and a checkpoint brings back every tensor and re-encodes to the same bytes.
    @Test(arguments: presets)
    func trainsAndRoundTripsThroughACheckpoint(_ architecture: Architecture) throws {
        let model = ModelConfig.defaults(for: architecture), training = Self.training(architecture)
        let trainer = try GANTrainer(model: model, training: training)
        let before = trainer.generator.parameters.map(\.value.array)
        let data = ImageDataset.fake(count: 8, channels: model.channels, size: model.imageSize, seed: 2)
        let batch = Tensor(zeros: [2] + model.sampleShape)
        data.fillBatch(batch, indices: 0..<2)
        let metrics = trainer.step { LabeledBatch(images: batch) }
        #expect(metrics.lossD.isFinite && metrics.lossG.isFinite)
        #expect(trainer.generator.parameters.map(\.value.array) != before)
        let bytes = try Checkpoint.encode(trainer, model: model, training: training, step: 1, batchesConsumed: 2)
        let path = Tiny.folder("tutorial-ckpt") + "/c.dcgan"
        try AtomicFile.write(bytes, to: path, overwrite: true)
        let (loaded, header) = try Checkpoint.load(path: path, expecting: model)
        #expect(header.model == model)
        for (a, b) in zip(trainer.generator.parameters + trainer.discriminator.parameters,
                          loaded.generator.parameters + loaded.discriminator.parameters) { #expect(a.value.array == b.value.array) }
        #expect(try Checkpoint.encode(loaded, model: model, training: training, step: 1, batchesConsumed: 2) == bytes)
    }

    /// Through the tool: a short run of the CNTK model on fake data (its 2 D steps recorded),
    /// then sample and ONNX export (its layers are all ONNX operators); a wrong size or
    /// --conditional is refused before anything is written.
    @Test func presetsRunThroughTheTool() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        let folder = Tiny.folder("cli-tutorial"), cntk = folder + "/cntk"
        let common = ["--dataset", "fake", "--batch-size", "2", "--iterations", "1", "--sample-every", "0"]
        let trained = try CommandLineTests.run(["train", "--model", "cntk-mnist", "--out", cntk] + common)
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stdout.contains("28x28x1 cntk-mnist, nz 100"))
        let config = try String(contentsOfFile: cntk + "/config.json", encoding: .utf8)
        #expect(config.contains("\"discriminatorSteps\" : 2"), "\(config)")
        let sampled = try CommandLineTests.run(["sample", "--checkpoint", cntk, "--count", "3", "--npy", folder + "/x.npy"])
        #expect(sampled.status == 0, "\(sampled.stderr)")
        #expect(try NPYReader.readUInt8(path: folder + "/x.npy").shape == [3, 28, 28])
        let exported = try CommandLineTests.run(["export", "--checkpoint", cntk, "--format", "onnx", "--output", folder + "/g.onnx"])
        #expect(exported.status == 0, "\(exported.stderr)")
        try CommandLineTests.expectFailure(["train", "--model", "upsample-elu", "--image-size", "64", "--out", folder + "/bad"] + common,
                                           mentions: "32x32 images only", mustNotExist: folder + "/bad")
        try CommandLineTests.expectFailure(["train", "--model", "cntk-mnist", "--conditional", "--out", folder + "/cond"] + common,
                                           mentions: "no conditional form", mustNotExist: folder + "/cond")
    }

    /// The Keras generator's convolutions are not among the ONNX writer's operators: export
    /// refuses with a one-line error naming the layer.
    @Test func kerasGeneratorIsNotExportedToONNX() {
        let model = ModelConfig.defaults(for: .kerasCIFAR10)
        let g = ModelZoo.generator(for: model, condition: nil)
        #expect {
            _ = try ONNXExport.generator(g, latentShape: model.latentShape, classes: 0, producerVersion: "test")
        } throws: { "\($0)".contains("does not support the generator's layer 3 (Conv2d)") }
    }
}
