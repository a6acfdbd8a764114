import Foundation
import Testing
import DCGANTensor

@Suite struct LossKernelTests {
    enum Kind: String, Sendable, CaseIterable { case bceWithLogits, bce, mse }

    struct Case: Sendable, CustomTestStringConvertible {
        let kind: Kind, count: Int, softTargets: Bool
        var testDescription: String { "\(kind) n\(count)\(softTargets ? " soft targets" : "")" }
    }

    static let cases = Kind.allCases.flatMap { kind in
        [1, 7, 15, 128].flatMap { n in [false, true].map { Case(kind: kind, count: n, softTargets: $0) } }
    }

    /// Predictions in the range each loss takes (logits, probabilities away from 0 and 1, values),
    /// targets in {0, 1} or anywhere in [0, 1] (label smoothing and noise make them soft).
    static func data(_ c: Case, seed: UInt64) -> (predictions: [Float], targets: [Float]) {
        var rng = RandomGenerator(seed: seed)
        let predictions: [Float]
        switch c.kind {
        case .bceWithLogits: predictions = randomFloats(c.count, -5, 5, rng: &rng)
        case .bce: predictions = randomFloats(c.count, 0.02, 0.98, rng: &rng)
        case .mse: predictions = randomFloats(c.count, -2, 2, rng: &rng)
        }
        let targets = (0..<c.count).map { _ in c.softTargets ? rng.nextUnitFloat() : Float(rng.next() & 1) }
        return (predictions, targets)
    }

    static func fast(_ kind: Kind, _ p: Tensor, _ t: Tensor, _ g: Tensor?) -> Float {
        switch kind {
        case .bceWithLogits: LossKernel.bceWithLogits(logits: p, targets: t, gradient: g)
        case .bce: LossKernel.bce(probabilities: p, targets: t, gradient: g)
        case .mse: LossKernel.mse(predictions: p, targets: t, gradient: g)
        }
    }

    static func reference(_ kind: Kind, _ p: [Double], _ t: [Double]) -> Double {
        switch kind {
        case .bceWithLogits: Reference.bceWithLogits(p, t)
        case .bce: Reference.bce(p, t)
        case .mse: Reference.mse(p, t)
        }
    }

    /// The loss against the reference, and its gradient against central differences of the
    /// reference loss (step 1e-6; error ~1e-10). Gradients are O(1/n) each (the losses are means),
    /// so they are compared relative to max(1/n, max |gradient|).
    @Test(arguments: cases)
    func lossAndGradientMatchReference(_ c: Case) {
        let (p, t) = Self.data(c, seed: 41)
        let (pd, td) = (p.map(Double.init), t.map(Double.init))
        let gradient = Tensor(repeating: .nan, shape: [c.count])
        let loss = Self.fast(c.kind, Tensor(shape: [c.count], values: p), Tensor(shape: [c.count], values: t), gradient)
        let expected = Self.reference(c.kind, pd, td)
        expectClose([Double(loss)], [expected], "loss")
        let fd = numericalGradient(at: pd) { Self.reference(c.kind, $0, td) }
        expectClose(gradient, fd, floor: 1 / Double(c.count), "gradient")
        // Without a gradient tensor the loss is the same.
        #expect(Self.fast(c.kind, Tensor(shape: [c.count], values: p), Tensor(shape: [c.count], values: t), nil) == loss)
    }

    /// |z| = 100 overflows the naive log(sigmoid(z)); the stable form gives the exact answers:
    /// a confident wrong logit costs |z| (and a fraction of it for soft targets), a confident
    /// right one ~e^-100, and the gradient is (sigmoid(z) - t) / n.
    @Test func bceWithLogitsIsStableAt100() {
        let z: [Float] = [100, -100, 100, -100, 100, -100]
        let t: [Float] = [0, 1, 1, 0, 0.9, 0.1]
        let gradient = Tensor(zeros: [6])
        let loss = LossKernel.bceWithLogits(logits: Tensor(shape: [6], values: z), targets: Tensor(shape: [6], values: t),
                                            gradient: gradient)
        // Per element: 100, 100, ~0, ~0, 100 - 90 = 10, 10 (exactly, up to e^-100).
        #expect(loss.isFinite)
        expectClose([Double(loss)], [(100 + 100 + 0 + 0 + 10 + 10) / 6.0], "loss")
        expectClose(gradient, [1, -1, 0, 0, 0.1, -0.1].map { $0 / 6 }, floor: 0, "gradient")
    }

    /// Probabilities of exactly 0 or 1: logs are clamped at -100 as PyTorch's BCELoss does, so the
    /// loss and the gradient stay finite.
    @Test func bceOnProbabilitiesIsClampedAtTheEnds() {
        let p: [Float] = [0, 1, 0, 1]
        let t: [Float] = [1, 0, 0, 1]
        let gradient = Tensor(zeros: [4])
        let loss = LossKernel.bce(probabilities: Tensor(shape: [4], values: p), targets: Tensor(shape: [4], values: t),
                                  gradient: gradient)
        #expect(loss == 50)  // (100 + 100 + 0 + 0) / 4
        #expect(Reference.bce(p.map(Double.init), t.map(Double.init)) == 50)
        #expect(gradient.array.allSatisfy { $0.isFinite })
        // Wrong and saturated: the gradient pushes the right way, with PyTorch's 1e-12 clamp.
        #expect(gradient[0] < -1e10 && gradient[1] > 1e10)
        expectClose([Double(gradient[0]), Double(gradient[1])], [-1e12 / 4, 1e12 / 4], "clamped gradient")
        // Right and saturated: no push at all.
        #expect(gradient[2] == 0 && gradient[3] == 0)
    }

    /// The equilibrium the brief quotes: D outputs 0.5, BCE = ln 2, MSE (to 0 or 1) = 0.25.
    @Test func equilibriumValues() {
        let half = Tensor(repeating: 0.5, shape: [10]), zeroLogits = Tensor(zeros: [10])
        let targets = Tensor(shape: [10], values: (0..<10).map { Float($0 % 2) })
        #expect(abs(LossKernel.bce(probabilities: half, targets: targets, gradient: nil) - Float(M_LN2)) < 1e-6)
        #expect(abs(LossKernel.bceWithLogits(logits: zeroLogits, targets: targets, gradient: nil) - Float(M_LN2)) < 1e-6)
        #expect(LossKernel.mse(predictions: half, targets: targets, gradient: nil) == 0.25)
    }

    struct ScoreCase: Sendable, CustomTestStringConvertible {
        let count: Int, factor: Float
        var testDescription: String { "n\(count) x\(factor)" }
    }

    /// Raw critic scores in [-3, 3], none within 0.01 of the hinge's kinks at +1 and -1, so that
    /// central differences with a 1e-6 step never straddle one.
    static func scores(_ count: Int, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<count).map { _ in
            var s = rng.uniform(-3, 3)
            while abs(abs(s) - 1) < 0.01 { s = rng.uniform(-3, 3) }
            return s
        }
    }

    static let hingeCases = [1, 7, 15, 128].flatMap { n in [Float(1), -1].map { ScoreCase(count: n, factor: $0) } }

    /// The hinge loss against the reference and its gradient against central differences.
    @Test(arguments: hingeCases)
    func hingeMatchesReference(_ c: ScoreCase) {
        let s = Self.scores(c.count, seed: 42), sd = s.map(Double.init)
        let gradient = Tensor(repeating: .nan, shape: [c.count])
        let loss = LossKernel.hinge(scores: Tensor(shape: [c.count], values: s), sign: c.factor, gradient: gradient)
        expectClose([Double(loss)], [Reference.hinge(sd, sign: Double(c.factor))], "loss")
        let fd = numericalGradient(at: sd) { Reference.hinge($0, sign: Double(c.factor)) }
        expectClose(gradient, fd, floor: 1 / Double(c.count), "gradient")
        #expect(LossKernel.hinge(scores: Tensor(shape: [c.count], values: s), sign: c.factor, gradient: nil) == loss)
    }

    /// Worked by hand, including scores exactly at the margin, where the gradient is 0. Real
    /// (sign +1) scores 2, 1, 0.5, -1 cost 0, 0, 0.5, 2; as fakes (sign -1) they cost 3, 2, 1.5, 0.
    @Test func hingeByHandAndAtTheKink() {
        let scores = Tensor(shape: [4], values: [2, 1, 0.5, -1])
        let gradient = Tensor(repeating: .nan, shape: [4])
        #expect(LossKernel.hinge(scores: scores, sign: 1, gradient: gradient) == 2.5 / 4)
        #expect(gradient.array == [0, 0, -0.25, -0.25])
        #expect(LossKernel.hinge(scores: scores, sign: -1, gradient: gradient) == 6.5 / 4)
        #expect(gradient.array == [0.25, 0.25, 0.25, 0])
    }

    static let meanScoreCases = [1, 7, 15, 128].flatMap { n in [Float(1), -1, 0.5].map { ScoreCase(count: n, factor: $0) } }

    /// scale * mean(s) against the reference; its gradient, scale / n everywhere, against differences.
    @Test(arguments: meanScoreCases)
    func meanScoreMatchesReference(_ c: ScoreCase) {
        let s = Self.scores(c.count, seed: 43), sd = s.map(Double.init)
        let gradient = Tensor(repeating: .nan, shape: [c.count])
        let loss = LossKernel.meanScore(scores: Tensor(shape: [c.count], values: s), scale: c.factor, gradient: gradient)
        expectClose([Double(loss)], [Reference.meanScore(sd, scale: Double(c.factor))], "loss")
        let fd = numericalGradient(at: sd) { Reference.meanScore($0, scale: Double(c.factor)) }
        expectClose(gradient, fd, floor: 1 / Double(c.count), "gradient")
        #expect(LossKernel.meanScore(scores: Tensor(shape: [c.count], values: s), scale: c.factor, gradient: nil) == loss)
    }

    /// The Wasserstein critic's loss -mean(D(x)) + mean(D(G(z))) from two mean scores: real
    /// scores 1, 2, 3 and fake ones -1, 0 give -2 + -0.5 = -2.5.
    @Test func wassersteinCriticLossByHand() {
        let real = Tensor(shape: [3], values: [1, 2, 3]), fake = Tensor(shape: [2], values: [-1, 0])
        let realGradient = Tensor(zeros: [3]), fakeGradient = Tensor(zeros: [2])
        let loss = LossKernel.meanScore(scores: real, scale: -1, gradient: realGradient)
            + LossKernel.meanScore(scores: fake, scale: 1, gradient: fakeGradient)
        #expect(loss == -2.5)
        #expect(realGradient.array == [-1 / 3, -1 / 3, -1 / 3] as [Float] && fakeGradient.array == [0.5, 0.5])
    }
}

