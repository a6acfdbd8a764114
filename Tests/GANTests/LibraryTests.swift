import DCGANData
import DCGANKit
import DCGANLayers
import DCGANTensor
import Foundation
import Testing

/// The trainer over injected parts: every loss, conditional presets, the book's small models,
/// custom networks and samplers.
@Suite struct LibraryTests {
    static func batch(_ dataset: ImageDataset, _ range: Range<Int>) -> LabeledBatch {
        let images = Tensor(zeros: [range.count, dataset.channels, dataset.height, dataset.width])
        dataset.fillBatch(images, indices: range)
        return LabeledBatch(images: images, labels: dataset.labels.map { Array($0[range]) })
    }

    @Test(arguments: GANLoss.allCases) func everyLossTrainsAndMovesBothNetworks(loss: GANLoss) throws {
        var training = Tiny.training()
        training.loss = loss
        let trainer = try GANTrainer(model: Tiny.model, training: training)
        let g0 = trainer.generator.parameters[0].value.copy(), d0 = trainer.discriminator.parameters[0].value.copy()
        let real = Self.batch(Tiny.dataset, 0..<8)
        for _ in 0..<3 { #expect(trainer.step { real }.isFinite) }
        #expect(trainer.generator.parameters[0].value.array != g0.array)
        #expect(trainer.discriminator.parameters[0].value.array != d0.array)
        if loss == .wasserstein {
            let bound = training.weightClip
            #expect(trainer.discriminator.parameters.allSatisfy { $0.value.array.allSatisfy { abs($0) <= bound } })
        }
    }

    @Test func lossesScoreRolesAsDefined() {
        let scores = Tensor(shape: [2, 1], values: [2, -0.5])
        let targets = Tensor(shape: [2, 1], values: [1, 1]), gradient = Tensor(zeros: [2, 1])
        // Hinge: D on real mean(max(0, 1 - s)) = (0 + 1.5) / 2; on fake mean(max(0, 1 + s)) = (3 + 0.5) / 2.
        #expect(GANLoss.hinge.value(scores: scores, role: .real, targets: targets, gradient: gradient) == 0.75)
        #expect(GANLoss.hinge.value(scores: scores, role: .fake, targets: targets, gradient: gradient) == 1.75)
        // G's hinge and Wasserstein losses are -mean(s); the critic's fake term is +mean(s).
        #expect(GANLoss.hinge.value(scores: scores, role: .generator, targets: targets, gradient: gradient) == -0.75)
        #expect(GANLoss.wasserstein.value(scores: scores, role: .fake, targets: targets, gradient: gradient) == 0.75)
        #expect(gradient.array == [0.5, 0.5])
        #expect(GANLoss.wasserstein.value(scores: scores, role: .real, targets: targets, gradient: gradient) == -0.75)
        // Least squares against the target: ((2 - 1)^2 + (-0.5 - 1)^2) / 2.
        #expect(GANLoss.leastSquares.value(scores: scores, role: .real, targets: targets, gradient: gradient) == 1.625)
        #expect(GANLoss.nonSaturating.meanOutput(Tensor(shape: [1, 1], values: [0])) == 0.5)
        #expect(GANLoss.leastSquares.meanOutput(scores) == 0.75)
    }

    @Test func conditionalPresetMakesTheAskedClassDependOnTheLabel() throws {
        var model = Tiny.model
        model.classes = 10
        let trainer = try GANTrainer(model: model, training: Tiny.training())
        let real = Self.batch(Tiny.dataset, 0..<8)
        #expect(trainer.step { real }.isFinite)
        var rng = RandomGenerator(seed: 3)
        let z = trainer.latent.sample(count: 2, rng: &rng)
        let same = Tensor(shape: [2] + trainer.latent.sampleShape, values: Array(z.array[0..<model.nz]) + Array(z.array[0..<model.nz]))
        // The same z for two classes gives two different images; for one class, the same image.
        func difference(_ images: [Float]) -> Float {
            let half = images.count / 2
            return (0..<half).reduce(0) { max($0, abs(images[$1] - images[half + $1])) }
        }
        // (Equal up to rounding: a batch position may change the order of a product's sums.)
        #expect(difference(trainer.generate(same, labels: [3, 7]).array) > 1e-3)
        #expect(difference(trainer.generate(same, labels: [4, 4]).array) < 1e-5)
    }

    @Test func theBooksToyReachesItsEquilibriumAndDraws1010() throws {
        var training = TrainingConfig.defaults(for: .toy1010)
        training.iterations = 4000
        let model = ModelConfig.defaults(for: .toy1010)
        let trainer = try GANTrainer(model: model, training: training)
        let data = ImageDataset.pattern1010(count: 256, seed: 1)
        var index = 0, last: [StepMetrics] = []
        for step in 0..<training.iterations {
            let m = trainer.step { defer { index = (index + 1) % data.count }; return Self.batch(data, index..<(index + 1)) }
            if step >= training.iterations - 500 { last.append(m) }
        }
        func mean(_ f: (StepMetrics) -> Float) -> Float { last.reduce(0) { $0 + f($1) } / Float(last.count) }
        // The book: D's output on real and fake drifts to 0.5 and G's MSE to 0.25.
        #expect(abs(mean(\.dReal) - 0.5) < 0.1 && abs(mean(\.dFakeBefore) - 0.5) < 0.1)
        #expect(abs(mean(\.lossG) - 0.25) < 0.05)
        var rng = RandomGenerator(seed: 2)
        let pattern = trainer.generate(trainer.latent.sample(count: 1, rng: &rng)).array.map { ($0 + 1) / 2 }
        #expect(pattern[0] > 0.7 && pattern[1] < 0.3 && pattern[2] > 0.7 && pattern[3] < 0.3, "pattern \(pattern)")
    }

    @Test func mlpPresetHasTheBooksShapeAndTrains() throws {
        var model = ModelConfig.defaults(for: .mlp)
        model.hidden = 16
        var training = TrainingConfig.defaults(for: .mlp)
        (training.batchSize, training.iterations) = (8, 1)
        let trainer = try GANTrainer(model: model, training: training)
        let kinds = (trainer.generator as! Sequential).layers.map(\.kindName)
        #expect(kinds == ["Linear", "Activation", "LayerNorm", "Linear", "Activation", "Reshape"])
        #expect(trainer.latent.sampleShape == [100] && trainer.latent is NormalLatent)
        #expect(trainer.step { Self.batch(Tiny.dataset, 0..<8) }.isFinite)
    }

    /// A network the presets do not know, a sampler of another shape, SGD and hinge loss.
    @Test func customPartsTrain() {
        let generator = Sequential([Linear(3, 12), Activation(.relu), Linear(12, 16), Activation(.tanh), Reshape([1, 4, 4])])
        let discriminator = Sequential([Reshape([16]), Linear(16, 8), Activation(.leakyReLU(slope: 0.2)), Linear(8, 1)])
        var rng = RandomGenerator(seed: 4)
        Initializer.pytorchDefault(generator, rng: &rng)
        Initializer.pytorchDefault(discriminator, rng: &rng)
        let trainer = GANTrainer(generator: generator, discriminator: discriminator,
                                 optimizerG: SGD(generator.parameters, learningRate: 0.05), optimizerD: SGD(discriminator.parameters, learningRate: 0.05),
                                 loss: .hinge, latent: UniformLatent(sampleShape: [3]), options: TrainerOptions(discriminatorSteps: 2), seed: 9)
        var served = 0
        let real = LabeledBatch(images: Tensor(repeating: 0.5, shape: [5, 1, 4, 4]))
        let metrics = trainer.step { served += 1; return real }
        #expect(served == 2 && metrics.isFinite)
        #expect(trainer.optimizerD.stepCount == 2 && trainer.optimizerG.stepCount == 1)
    }
}
