import Foundation
import DCGANLayers
import DCGANTensor
import Testing

/// One whole DCGAN training step (the 32x32 generator and discriminator of the canonical PyTorch
/// example, small widths) against the numbers PyTorch computed once for the same weights and
/// inputs: Tests/NNTests/Fixtures/dcgan32_step.bin, written by scripts/make_parity_fixture.py,
/// whose docstring gives the networks, the step and the file format.
///
/// "Equal to 1e-4 relative" means `parityRelativeError` <= 1e-4: every element within 1e-4 of
/// max(|its PyTorch value|, the RMS of its array), so that an element nearly zero by
/// cancellation is judged against its array's size. The Adam update (parameter after the step
/// minus before) is compared the same way, allowing on top one ulp of the stored float32
/// parameter and, end to end, what a gradient within its own tolerance changes in the update
/// (see `adamUpdatesMatchPyTorch`). Everything is float32 on both sides; PyTorch's float32
/// numbers are within ~1e-6 of a float64 rerun (`make_parity_fixture.py --check-float64`).
@Suite struct ParityTests {
    static let tolerance = 1e-4
    static let batch = 4, nz = 8, ngf = 4, ndf = 4, nc = 1

    /// The example's 32x32 generator; layer indices match PyTorch's nn.Sequential.
    static func generator() -> Sequential {
        Sequential([
            ConvTranspose2d(nz, ngf * 4, kernel: 4, stride: 1, padding: 0, bias: false), BatchNorm(ngf * 4), Activation(.relu),
            ConvTranspose2d(ngf * 4, ngf * 2, kernel: 4, stride: 2, padding: 1, bias: false), BatchNorm(ngf * 2), Activation(.relu),
            ConvTranspose2d(ngf * 2, ngf, kernel: 4, stride: 2, padding: 1, bias: false), BatchNorm(ngf), Activation(.relu),
            ConvTranspose2d(ngf, nc, kernel: 4, stride: 2, padding: 1, bias: false), Activation(.tanh),
        ])
    }

    /// The example's 32x32 discriminator (its `main` Sequential, same indices).
    static func discriminator() -> Sequential {
        Sequential([
            Conv2d(nc, ndf, kernel: 4, stride: 2, padding: 1, bias: false), Activation(.leakyReLU(slope: 0.2)),
            Conv2d(ndf, ndf * 2, kernel: 4, stride: 2, padding: 1, bias: false), BatchNorm(ndf * 2), Activation(.leakyReLU(slope: 0.2)),
            Conv2d(ndf * 2, ndf * 4, kernel: 4, stride: 2, padding: 1, bias: false), BatchNorm(ndf * 4), Activation(.leakyReLU(slope: 0.2)),
            Conv2d(ndf * 4, 1, kernel: 4, stride: 1, padding: 0, bias: false), Activation(.sigmoid),
        ])
    }

    /// Parameters under PyTorch's state_dict names ("<layer index>.weight").
    static func namedParameters(_ net: Sequential) -> [(name: String, parameter: Parameter)] {
        net.layers.enumerated().flatMap { index, layer in layer.parameters.map { ("\(index).\($0.name)", $0) } }
    }

    /// Everything the Swift engine computed in the step, named as in the fixture.
    struct StepResult {
        var values: [String: [Float]] = [:]
        var parametersBefore: [String: [Float]] = [:]
    }

    static func loadFixture() throws -> ParityFixture {
        try ParityFixture(contentsOf: ParityFixture.url("dcgan32_step.bin"))
    }

    /// Loads the fixture's initial weights and runs the example's loop body with the Swift engine.
    static func runStep(_ fixture: ParityFixture) throws -> StepResult {
        let netG = generator(), netD = discriminator()
        var result = StepResult()
        for (prefix, net) in [("G", netG), ("D", netD)] {
            for (name, p) in namedParameters(net) {
                let initial = try #require(fixture["init.\(prefix).\(name)"], "fixture lacks init.\(prefix).\(name)")
                try #require(initial.shape == p.value.shape, "init.\(prefix).\(name): \(initial.shape) vs \(p.value.shape)")
                p.value.assign(from: initial)
                result.parametersBefore["\(prefix).\(name)"] = initial.array
            }
        }
        let real = try #require(fixture["input.real"]), noise = try #require(fixture["input.noise"])
        let optD = Adam(netD.parameters, learningRate: 2e-4, beta1: 0.5, beta2: 0.999)
        let optG = Adam(netG.parameters, learningRate: 2e-4, beta1: 0.5, beta2: 0.999)
        let ones = Tensor(repeating: 1, shape: [batch, 1, 1, 1]), zeros = Tensor(zeros: [batch, 1, 1, 1])
        let lossGradient = Tensor(zeros: [batch, 1, 1, 1])

        // (1) D on the real batch, target 1. Layer outputs are reused buffers: copy what is kept.
        netD.zeroGradients()
        let outReal = netD.forward(real).copy()
        let errDReal = LossKernel.bce(probabilities: outReal, targets: ones, gradient: lossGradient)
        _ = netD.backward(lossGradient, inputGradientNeeded: false)
        // (2) D on G(noise), target 0, gradients accumulated onto those of (1). `fake` is G's
        // last buffer and stays valid: G does not run forward again in this step.
        let fake = netG.forward(noise)
        let outFake1 = netD.forward(fake).copy()
        let errDFake = LossKernel.bce(probabilities: outFake1, targets: zeros, gradient: lossGradient)
        _ = netD.backward(lossGradient, inputGradientNeeded: false)
        for (name, p) in namedParameters(netD) { result.values["grad.D.\(name)"] = p.gradient.array }
        optD.step()
        for (name, p) in namedParameters(netD) { result.values["step.D.\(name)"] = p.value.array }

        // (3) G step: D (already updated, training mode) frozen, its input gradient into G.
        netG.zeroGradients()
        netD.setFrozen(true)
        let outFake2 = netD.forward(fake).copy()
        let errG = LossKernel.bce(probabilities: outFake2, targets: ones, gradient: lossGradient)
        let fakeGradient = netD.backward(lossGradient, inputGradientNeeded: true)
        _ = netG.backward(fakeGradient, inputGradientNeeded: false)
        netD.setFrozen(false)
        for (name, p) in namedParameters(netG) { result.values["grad.G.\(name)"] = p.gradient.array }
        optG.step()
        for (name, p) in namedParameters(netG) { result.values["step.G.\(name)"] = p.value.array }

        func mean(_ t: Tensor) -> Float { Float(t.array.reduce(0.0) { $0 + Double($1) } / Double(t.count)) }
        result.values["out.D_real"] = outReal.array
        result.values["out.D_fake1"] = outFake1.array
        result.values["out.D_fake2"] = outFake2.array
        result.values["out.fake"] = fake.array
        result.values["loss.errD_real"] = [errDReal]
        result.values["loss.errD_fake"] = [errDFake]
        result.values["loss.errG"] = [errG]
        result.values["stat.D_x"] = [mean(outReal)]
        result.values["stat.D_G_z1"] = [mean(outFake1)]
        result.values["stat.D_G_z2"] = [mean(outFake2)]
        for (prefix, net) in [("D", netD), ("G", netG)] {
            for (name, tensor) in net.buffers { result.values["buf.\(prefix).\(name)"] = tensor.array }
        }
        return result
    }

    /// Compares every fixture array whose name starts with one of `prefixes`; returns the worst error.
    @discardableResult
    static func check(_ prefixes: [String], _ fixture: ParityFixture, _ result: StepResult,
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> Double {
        let names = fixture.names.filter { name in prefixes.contains { name.hasPrefix($0) } }
        #expect(!names.isEmpty, "no fixture arrays named \(prefixes)", sourceLocation: sourceLocation)
        var worst = 0.0
        for name in names {
            let expected = try #require(fixture[name])
            let actual = try #require(result.values[name], "the Swift step produced no \(name)", sourceLocation: sourceLocation)
            try #require(actual.count == expected.count, "\(name): \(actual.count) values, fixture \(expected.count)",
                         sourceLocation: sourceLocation)
            let error = parityRelativeError(actual, expected.array)
            #expect(error <= tolerance, "\(name): relative error \(error)", sourceLocation: sourceLocation)
            worst = max(worst, error)
        }
        return worst
    }

    @Test func fixtureHoldsTheWholeStep() throws {
        let fixture = try Self.loadFixture()
        let netG = Self.generator(), netD = Self.discriminator()
        for (prefix, net) in [("G", netG), ("D", netD)] {
            for (name, p) in Self.namedParameters(net) {
                for stage in ["init", "grad", "step", "adam2"] {
                    #expect(fixture["\(stage).\(prefix).\(name)"]?.shape == p.value.shape, "\(stage).\(prefix).\(name)")
                }
            }
        }
        #expect(fixture["input.real"]?.shape == [Self.batch, Self.nc, 32, 32])
        #expect(fixture["input.noise"]?.shape == [Self.batch, Self.nz, 1, 1])
        #expect(fixture["out.fake"]?.shape == [Self.batch, Self.nc, 32, 32])
        // Everything the Swift step reports (running statistics included) has a PyTorch value.
        let result = try Self.runStep(fixture)
        for name in result.values.keys.sorted() { #expect(fixture[name] != nil, "fixture lacks \(name)") }
    }

    @Test func lossesAndOutputsMatchPyTorch() throws {
        let fixture = try Self.loadFixture()
        let result = try Self.runStep(fixture)
        try Self.check(["loss.", "stat.", "out."], fixture, result)
    }

    @Test func discriminatorGradientsMatchPyTorch() throws {
        let fixture = try Self.loadFixture()
        let result = try Self.runStep(fixture)
        try Self.check(["grad.D."], fixture, result)
    }

    @Test func generatorGradientsMatchPyTorch() throws {
        let fixture = try Self.loadFixture()
        let result = try Self.runStep(fixture)
        try Self.check(["grad.G."], fixture, result)
    }

    @Test func parametersAfterAdamMatchPyTorch() throws {
        let fixture = try Self.loadFixture()
        let result = try Self.runStep(fixture)
        try Self.check(["step.D.", "step.G."], fixture, result)
    }

    /// Worst relative error of Adam updates (after - before) against PyTorch's, for the named
    /// parameters. Besides 1e-4 of max(|update|, RMS of the updates), each element may be off by
    /// one ulp of the stored parameter (~2e-4 updates on parameters up to ~1 make that a visible
    /// fraction) and by `gradientSlack(i)`, what its gradient's own tolerance can move it.
    static func updateError(_ name: String, before: [Float], actualAfter: [Float], expectedAfter: [Float],
                            gradientSlack: (Int) -> Double = { _ in 0 }) -> Double {
        let expected = zip(expectedAfter, before).map { Double($0) - Double($1) }
        let actual = zip(actualAfter, before).map { Double($0) - Double($1) }
        let scale = (expected.reduce(0) { $0 + $1 * $1 } / Double(max(expected.count, 1))).squareRoot()
        #expect(scale > 0, "\(name): PyTorch did not move the parameters")
        var worst = 0.0
        for i in expected.indices {
            let excess = max(abs(actual[i] - expected[i]) - Double(expectedAfter[i].ulp) - gradientSlack(i), 0)
            worst = max(worst, excess / max(abs(expected[i]), scale, Double.leastNormalMagnitude))
        }
        return worst
    }

    /// The update of the whole step, so that a wrong step size cannot hide inside the parameter's
    /// own magnitude. On a first Adam step the update is lr * g / (|g| + eps), whose slope
    /// lr * eps / (|g| + eps)^2 is steep for a gradient element near eps: such an element may
    /// move by what a gradient error within the gradient checks' tolerance causes.
    @Test func adamUpdatesMatchPyTorch() throws {
        let fixture = try Self.loadFixture()
        let result = try Self.runStep(fixture)
        for (key, before) in result.parametersBefore {
            let name = "step.\(key)"
            let error = Self.updateError(name, before: before, actualAfter: try #require(result.values[name]),
                                         expectedAfter: try #require(fixture[name]).array,
                                         gradientSlack: Self.firstAdamStepSlack(try #require(fixture["grad.\(key)"]).array))
            #expect(error <= Self.tolerance, "\(name): update relative error \(error)")
        }
    }

    /// How far a gradient error within the gradient checks' tolerance can move each element's
    /// first Adam update (lr 2e-4, eps 1e-8), for `updateError`.
    static func firstAdamStepSlack(_ gradient: [Float]) -> (Int) -> Double {
        let (lr, eps) = (2e-4, 1e-8)
        let values = gradient.map(Double.init)
        let gradientScale = (values.reduce(0) { $0 + $1 * $1 } / Double(values.count)).squareRoot()
        return { i in
            let g = abs(values[i]), gradientTolerance = tolerance * max(g, gradientScale)
            return lr * eps * gradientTolerance / ((g + eps) * (g + eps))
        }
    }

    /// Adam alone: PyTorch's own gradients into the Swift optimiser give PyTorch's parameters,
    /// after the step's one update and after a second one (gradients reversed, times 0.25) that
    /// the betas and bias corrections matter for: a first Adam step is lr*g/(|g|+eps) whatever
    /// the betas.
    @Test func adamStepsFromPyTorchGradientsMatchPyTorch() throws {
        let fixture = try Self.loadFixture()
        for (prefix, net) in [("D", Self.discriminator()), ("G", Self.generator())] {
            let named = Self.namedParameters(net)
            for (name, p) in named {
                p.value.assign(from: try #require(fixture["init.\(prefix).\(name)"]))
                p.gradient.assign(from: try #require(fixture["grad.\(prefix).\(name)"]))
            }
            let adam = Adam(net.parameters, learningRate: 2e-4, beta1: 0.5, beta2: 0.999)
            for stage in ["step", "adam2"] {
                if stage == "adam2" {
                    for (_, p) in named {
                        let second = p.gradient.array.reversed().map { $0 * 0.25 }
                        p.gradient.assign(from: Tensor(shape: p.gradient.shape, values: second))
                    }
                }
                adam.step()
                for (name, p) in named {
                    let key = "\(prefix).\(name)"
                    let before = try #require(fixture["init.\(key)"]).array
                    let expectedAfter = try #require(fixture["\(stage).\(key)"]).array
                    let error = Self.updateError(key, before: before, actualAfter: p.value.array, expectedAfter: expectedAfter)
                    #expect(error <= Self.tolerance, "\(stage).\(key): update relative error \(error)")
                }
            }
        }
    }

    @Test func runningStatisticsMatchPyTorch() throws {
        let fixture = try Self.loadFixture()
        let result = try Self.runStep(fixture)
        // D's BatchNorm statistics moved three times (real, fake, fake again in the G step).
        try Self.check(["buf.D.", "buf.G."], fixture, result)
    }
}
