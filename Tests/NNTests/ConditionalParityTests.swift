import DCGANData
import DCGANKit
import DCGANLayers
import DCGANTensor
import Testing

/// One whole step of the library's trainer on the conditional DCGAN preset (labels joined to
/// the input of every layer of G and D, BatchNorm without scale and shift) against the numbers
/// PyTorch computed for the same weights and inputs:
/// Tests/NNTests/Fixtures/cond_dcgan28_step.bin, written by scripts/make_cond_parity_fixture.py.
/// Tolerances as in `ParityTests`.
@Suite struct ConditionalParityTests {
    static let model = ModelConfig(imageSize: 28, channels: 1, nz: 8, ngf: 4, ndf: 4, batchNormAffine: false, classes: 10)

    /// Replays the fixture's noise, so that the trainer draws exactly PyTorch's z.
    struct FixedLatent: LatentSampler {
        let noise: Tensor
        var sampleShape: [Int] { Array(noise.shape.dropFirst()) }
        func fill(_ z: Tensor, rng: inout RandomGenerator) { z.assign(from: noise) }
    }

    struct Outcome {
        var trainer: GANTrainer
        var metrics: StepMetrics
        var before: [String: [Float]]
    }

    /// Loads the fixture's initial weights into the preset's networks (by state-dict name) and
    /// runs one `GANTrainer.step` on its real batch and labels.
    static func runStep(_ fixture: ParityFixture) throws -> Outcome {
        let (generator, discriminator, condition) = ModelZoo.networks(for: model)
        var before: [String: [Float]] = [:]
        for (prefix, net) in [("G", generator), ("D", discriminator)] {
            for p in net.namedTensors where fixture["init.\(prefix).\(p.name)"] != nil {
                let initial = try #require(fixture["init.\(prefix).\(p.name)"])
                try #require(initial.shape == p.tensor.shape, "init.\(prefix).\(p.name): \(initial.shape) vs \(p.tensor.shape)")
                p.tensor.assign(from: initial)
                before["\(prefix).\(p.name)"] = initial.array
            }
        }
        let real = try #require(fixture["input.real"]), noise = try #require(fixture["input.noise"])
        let labels = try #require(fixture["input.labels"]).array.map { Int($0) }
        let trainer = GANTrainer(generator: generator, discriminator: discriminator,
                                 optimizerG: Adam(generator.parameters, learningRate: 2e-4, beta1: 0.5),
                                 optimizerD: Adam(discriminator.parameters, learningRate: 2e-4, beta1: 0.5),
                                 loss: .nonSaturating, latent: FixedLatent(noise: noise), condition: condition, seed: 1)
        let metrics = trainer.step { LabeledBatch(images: real, labels: labels) }
        return Outcome(trainer: trainer, metrics: metrics, before: before)
    }

    static func expectClose(_ actual: [Float], _ name: String, _ fixture: ParityFixture,
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try #require(fixture[name], "fixture lacks \(name)", sourceLocation: sourceLocation)
        let error = parityRelativeError(actual, expected.array)
        #expect(error <= ParityTests.tolerance, "\(name): relative error \(error)", sourceLocation: sourceLocation)
    }

    @Test func presetHasPyTorchsLayersAndNames() throws {
        let fixture = try ParityFixture(contentsOf: ParityFixture.url("cond_dcgan28_step.bin"))
        let (generator, discriminator, _) = ModelZoo.networks(for: Self.model)
        // Every weight of the preset has a PyTorch counterpart of the same name and shape, and back.
        for (prefix, net) in [("G", generator), ("D", discriminator)] {
            let ours = Set(net.namedTensors.filter { $0.name.hasSuffix("weight") }.map(\.name))
            let theirs = Set(fixture.names.filter { $0.hasPrefix("init.\(prefix).") }.map { String($0.dropFirst("init.\(prefix).".count)) })
            #expect(ours == theirs, "\(prefix): \(ours.sorted()) vs \(theirs.sorted())")
        }
    }

    @Test func lossesAndMeansMatchPyTorch() throws {
        let fixture = try ParityFixture(contentsOf: ParityFixture.url("cond_dcgan28_step.bin"))
        let outcome = try Self.runStep(fixture)
        let errDReal = try #require(fixture["loss.errD_real"])[0], errDFake = try #require(fixture["loss.errD_fake"])[0]
        // The trainer reports D's loss as real + fake, as PyTorch's example prints errD.
        #expect(parityRelativeError([outcome.metrics.lossD], [errDReal + errDFake]) <= ParityTests.tolerance)
        try Self.expectClose([outcome.metrics.lossG], "loss.errG", fixture)
        try Self.expectClose([outcome.metrics.dReal], "stat.D_x", fixture)
        try Self.expectClose([outcome.metrics.dFakeBefore], "stat.D_G_z1", fixture)
        try Self.expectClose([outcome.metrics.dFakeAfter], "stat.D_G_z2", fixture)
    }

    @Test func gradientsMatchPyTorch() throws {
        let fixture = try ParityFixture(contentsOf: ParityFixture.url("cond_dcgan28_step.bin"))
        let outcome = try Self.runStep(fixture)
        // D's gradients are those of its own step (it is frozen in G's); G's those of G's step.
        for (prefix, net) in [("G", outcome.trainer.generator), ("D", outcome.trainer.discriminator)] {
            let named = (net as! Sequential).layers.enumerated().flatMap { index, layer in layer.parameters.map { ("\(index).\($0.name)", $0) } }
            for (name, p) in named { try Self.expectClose(p.gradient.array, "grad.\(prefix).\(name)", fixture) }
        }
    }

    @Test func parametersAndRunningStatisticsAfterTheStepMatchPyTorch() throws {
        let fixture = try ParityFixture(contentsOf: ParityFixture.url("cond_dcgan28_step.bin"))
        let outcome = try Self.runStep(fixture)
        for (prefix, net) in [("G", outcome.trainer.generator), ("D", outcome.trainer.discriminator)] {
            for (name, tensor) in net.namedTensors {
                if name.hasSuffix("weight") {
                    let expected = try #require(fixture["step.\(prefix).\(name)"]).array
                    let error = ParityTests.updateError(name, before: try #require(outcome.before["\(prefix).\(name)"]),
                                                        actualAfter: tensor.array, expectedAfter: expected,
                                                        gradientSlack: ParityTests.firstAdamStepSlack(try #require(fixture["grad.\(prefix).\(name)"]).array))
                    #expect(error <= ParityTests.tolerance, "step.\(prefix).\(name): update relative error \(error)")
                } else {
                    try Self.expectClose(tensor.array, "buf.\(prefix).\(name)", fixture)
                }
            }
        }
    }
}
