import DCGANData
import DCGANKit
import DCGANLayers
import DCGANTensor
import Foundation
import Testing

/// `--spectral-norm` and `--augment` through the trainer, checkpoints, export, features and
/// the tool: off they change nothing; on they train, resume exactly and keep their own streams.
@Suite struct DiscriminatorRegularizationTests {
    static func regularized() -> (model: ModelConfig, training: TrainingConfig) {
        var (model, training) = (Tiny.model, Tiny.training())
        model.spectralNorm = true
        training.augment = "translation,cutout"
        return (model, training)
    }

    static func steps(_ trainer: GANTrainer, _ count: Int) -> [StepMetrics] {
        let batch = Tensor(zeros: [8, 1, 28, 28])
        Tiny.dataset.fillBatch(batch, indices: 0..<8)
        return (0..<count).map { _ in trainer.step { LabeledBatch(images: batch) } }
    }

    /// Off, the settings are absent from the JSON (files written before them read the same)
    /// and build today's networks; on, augmentation draws nothing from the noise stream.
    @Test func offChangesNothingAndOnKeepsItsOwnStream() throws {
        let json = String(decoding: try JSONEncoder().encode(Tiny.training()), as: UTF8.self)
            + String(decoding: try JSONEncoder().encode(Tiny.model), as: UTF8.self)
        #expect(!json.contains("augment") && !json.contains("spectralNorm"))
        let plain = try GANTrainer(model: Tiny.model, training: Tiny.training())
        #expect(plain.augmentation == nil)
        #expect(!(plain.discriminator as! Sequential).layers.contains { $0 is SpectralNormalized })
        var augmented = Tiny.training()
        augmented.augment = "translation"
        let withAugment = try GANTrainer(model: Tiny.model, training: augmented)
        let a = Self.steps(plain, 2), b = Self.steps(withAugment, 2)
        #expect(plain.noiseRNG == withAugment.noiseRNG, "augmentation leaves z's stream alone")
        #expect(a[0].dReal != b[0].dReal, "D saw other images")
        // Same initial weights: augmentation is not part of initialisation.
        let fresh = try GANTrainer(model: Tiny.model, training: augmented)
        #expect(fresh.generator.parameters.map(\.value.array) == (try GANTrainer(model: Tiny.model, training: Tiny.training())).generator.parameters.map(\.value.array))
    }

    @Test func spectralNormWrapsEveryConvolutionAndTrains() throws {
        let (model, training) = Self.regularized()
        let trainer = try GANTrainer(model: model, training: training)
        let layers = (trainer.discriminator as! Sequential).layers
        #expect(layers.filter { $0 is SpectralNormalized }.count == 3 && !layers.contains { $0 is Conv2d })
        #expect(layers.filter { $0 is BatchNorm }.count == 1, "BatchNorm stays")
        // 28x28: two strided convolutions and the 7x7 logit one. weight_orig gets the DCGAN N(0, 0.02); u and v come from the run's seed.
        let weights = trainer.discriminator.parameters.filter { $0.name == "weight_orig" }.flatMap(\.value.array).map(Double.init)
        let std = (weights.reduce(0) { $0 + $1 * $1 } / Double(weights.count)).squareRoot()
        #expect(weights.count == 64 + 512 + 392 && abs(std - 0.02) < 0.002, "std \(std)")
        var other = training
        other.seed += 1
        let vectors = { (t: GANTrainer) in t.discriminator.buffers.filter { $0.name.hasSuffix("weight_u") }.map(\.tensor.array) }
        #expect(vectors(trainer) != vectors(try GANTrainer(model: model, training: other)))
        #expect(vectors(trainer) == vectors(try GANTrainer(model: model, training: training)))
        let before = vectors(trainer)
        for metrics in Self.steps(trainer, 3) { #expect(metrics.isFinite) }
        #expect(vectors(trainer) != before, "the power iteration moved u")
        #expect(trainer.discriminator.parameters.allSatisfy { !$0.isFrozen })
    }

    @Test func resumeWithBothReproducesAnUninterruptedRun() throws {
        let (model, training) = Self.regularized()
        let whole = RunFolder(Tiny.folder("reg-whole")), split = RunFolder(Tiny.folder("reg-split"))
        try TrainingRun.start(model: model, training: training, dataset: Tiny.dataset, folder: whole, overwrite: true).run { _ in }
        let first = try TrainingRun.start(model: model, training: training, dataset: Tiny.dataset, folder: split, overwrite: true)
        try first.run(stopAfter: 3) { _ in }
        first.close()
        let resumed = try TrainingRun.resume(folder: split) { _, _ in Tiny.dataset }
        try resumed.run { _ in }
        let finalA = try [UInt8](Data(contentsOf: URL(fileURLWithPath: whole.checkpointPath(step: 6))))
        let finalB = try [UInt8](Data(contentsOf: URL(fileURLWithPath: split.checkpointPath(step: 6))))
        #expect(finalA == finalB, "u, v and the augmentation stream survive the checkpoint")
        let (loaded, header) = try Checkpoint.load(path: split.checkpointPath(step: 6), expecting: model)
        #expect(header.augmentState != nil && loaded.augmentation?.rng.state == header.augmentState)
        #expect(loaded.discriminator.namedTensors.map(\.name).contains("0.weight_u"))
    }

    /// Exported, D keeps PyTorch's spectral_norm names; imported back, it is the same D.
    @Test func exportKeepsSpectralNormNamesAndImportsBack() throws {
        let (model, training) = Self.regularized()
        let trainer = try GANTrainer(model: model, training: training)
        _ = Self.steps(trainer, 1)
        let path = Tiny.folder("reg-export") + "/c.dcgan"
        try AtomicFile.write(try Checkpoint.encode(trainer, model: model, training: training, step: 1, batchesConsumed: 1), to: path, overwrite: true)
        let header = try Checkpoint.load(path: path).header
        let tensors = try SafeTensors.decode(try PyTorchCheckpoint.export(trainer, header: header, network: .discriminator), path: "d").tensors
        #expect(Array(tensors.map(\.name).prefix(3)) == ["main.0.weight_orig", "main.0.weight_u", "main.0.weight_v"])
        let generator = try SafeTensors.decode(try PyTorchCheckpoint.export(trainer, header: header, network: .generator), path: "g").tensors
        #expect(PyTorchCheckpoint.inferDCGAN(generator: generator, discriminator: tensors)?.spectralNorm == true)
        let copy = try GANTrainer(model: model, training: training)
        try PyTorchStateDict.load(tensors, into: copy.discriminator, path: "d")
        #expect(copy.discriminator.namedTensors.map { $0.tensor.array } == trainer.discriminator.namedTensors.map { $0.tensor.array })
    }

    /// The features of a spectral-normalised D are those of a plain D holding W / sigma.
    @Test func featuresSeeTheConvolutionsInsideTheWrapper() throws {
        let (model, training) = Self.regularized()
        let trainer = try GANTrainer(model: model, training: training)
        _ = Self.steps(trainer, 2)
        let normalized = trainer.discriminator as! Sequential
        let images = Tensor(zeros: [3, 1, 28, 28])
        Tiny.dataset.fillBatch(images, indices: 0..<3)
        let features = try DiscriminatorFeatures(discriminator: normalized, imageShape: model.sampleShape)
        var a = [Float](repeating: 0, count: 3 * features.featureLength)
        features.extract(images, into: &a)
        let plain = DCGAN.discriminator(Tiny.model)
        for (layer, source) in zip(plain.layers, normalized.layers) {
            let target = layer.namedTensors.map(\.tensor)
            let values = (source as? SpectralNormalized).map { [($0.wrapped as! Conv2d).weight.value] } ?? source.namedTensors.map(\.tensor)
            for (t, v) in zip(target, values) { t.assign(from: v) }
        }
        var b = [Float](repeating: 0, count: a.count)
        try DiscriminatorFeatures(discriminator: plain, imageShape: model.sampleShape).extract(images, into: &b)
        #expect(a == b && a.contains { $0 != 0 })
    }
}

extension CommandLineTests {
    @Test func trainWithAugmentAndSpectralNorm() throws {
        let folder = Tiny.folder("cli-reg")
        let outcome = try Self.run(["train", "--iterations", "2", "--out", folder + "/run"] + Self.tinyTraining
                                   + ["--augment", "translation,cutout", "--spectral-norm"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("spectral norm in D") && outcome.stdout.contains("augment translation,cutout"), "\(outcome.stdout)")
        let config = try String(contentsOfFile: folder + "/run/config.json", encoding: .utf8)
        #expect(config.contains("\"augment\"") && config.contains("translation,cutout") && config.contains("\"spectralNorm\""), "\(config)")
        try Self.expectFailure(["train", "--out", folder + "/bad"] + Self.tinyTraining + ["--augment", "translation,flip"],
                               mentions: "unknown --augment operation 'flip' (known: translation, cutout)", mustNotExist: folder + "/bad")
        try Self.expectFailure(["train", "--out", folder + "/mlp", "--model", "mlp", "--dataset", "fake", "--spectral-norm"],
                               mentions: "--spectral-norm applies to the dcgan model only", mustNotExist: folder + "/mlp")
    }
}
