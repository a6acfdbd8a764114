import Testing
import DCGANTensor

@Suite struct LayerNormKernelTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let rows: Int, features: Int, affine: Bool
        var shape: [Int] { [rows, features] }
        var count: Int { rows * features }
        var testDescription: String { "\(shape)\(affine ? " affine" : "")" }
    }

    /// N in {1, 3, 7}, F in {1, 2, 5, 33}, affine or not; and one batch big enough to be split
    /// over threads (rows in the forward pass, features in the parameter gradients).
    static let cases = [1, 3, 7].flatMap { n in
        [1, 2, 5, 33].flatMap { f in [false, true].map { Case(rows: n, features: f, affine: $0) } }
    } + [Case(rows: 64, features: 200, affine: true)]

    static let eps: Float = 1e-5

    /// Rows with their own offset and spread, as the activations of different samples have.
    struct Data {
        let x: [Float], gamma: [Float], beta: [Float], dy: [Float], gamma0: [Float], beta0: [Float]
        init(_ c: Case, seed: UInt64) {
            var rng = RandomGenerator(seed: seed)
            let offsets = randomFloats(c.rows, -3, 3, rng: &rng), spreads = randomFloats(c.rows, 0.5, 2, rng: &rng)
            var x = randomFloats(c.count, rng: &rng)
            for i in x.indices { x[i] = offsets[i / c.features] + spreads[i / c.features] * x[i] }
            self.x = x
            gamma = randomFloats(c.features, 0.5, 1.5, rng: &rng)
            beta = randomFloats(c.features, rng: &rng)
            dy = randomFloats(c.count, rng: &rng)
            gamma0 = randomFloats(c.features, rng: &rng)
            beta0 = randomFloats(c.features, rng: &rng)
        }
    }

    struct Run {
        let savedMean: Tensor, savedInverseStd: Tensor, output: Tensor
        init(_ c: Case, _ input: Tensor, gamma: Tensor?, beta: Tensor?) {
            savedMean = Tensor(repeating: .nan, shape: [c.rows])
            savedInverseStd = Tensor(repeating: .nan, shape: [c.rows])
            output = Tensor(repeating: .nan, shape: c.shape)
            LayerNormKernel.forward(input: input, gamma: gamma, beta: beta, eps: LayerNormKernelTests.eps,
                                    savedMean: savedMean, savedInverseStd: savedInverseStd, output: output)
        }
    }

    @Test(arguments: cases)
    func forwardMatchesReference(_ c: Case) {
        let d = Data(c, seed: 61)
        let gamma = c.affine ? Tensor(shape: [c.features], values: d.gamma) : nil
        let beta = c.affine ? Tensor(shape: [c.features], values: d.beta) : nil
        let run = Run(c, Tensor(shape: c.shape, values: d.x), gamma: gamma, beta: beta)
        let x = d.x.map(Double.init)
        expectClose(run.output, Reference.layerNorm(x, features: c.features, gamma: gamma?.doubles, beta: beta?.doubles, eps: 1e-5),
                    "output")
        // The saved statistics, each row's mean and 1/sqrt(biased variance + eps), from the definition.
        let rows = (0..<c.rows).map { Array(x[($0 * c.features)..<(($0 + 1) * c.features)]) }
        let means = rows.map { $0.reduce(0, +) / Double(c.features) }
        let variances = zip(rows, means).map { row, m in row.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(c.features) }
        expectClose(run.savedMean, means, "saved mean")
        expectClose(run.savedInverseStd, variances.map { 1 / ($0 + 1e-5).squareRoot() }, floor: 1, "saved 1/std")
    }

    /// dx, dgamma and dbeta against central differences of the Double reference with the loss
    /// L = <r, LN(x)> (so dL/dy = r). LN is smooth: a step of 1e-4 keeps the truncation error
    /// ~1e-8 |f'''| and the rounding error ~1e-12, far below the Float backward's ~1e-6.
    @Test(arguments: cases)
    func backwardMatchesFiniteDifferences(_ c: Case) {
        let d = Data(c, seed: 62)
        let x = d.x.map(Double.init), r = d.dy.map(Double.init)
        let gamma = c.affine ? d.gamma.map(Double.init) : nil, beta = c.affine ? d.beta.map(Double.init) : nil
        func loss(_ x: [Double], _ g: [Double]?, _ b: [Double]?) -> Double {
            dot(r, Reference.layerNorm(x, features: c.features, gamma: g, beta: b, eps: 1e-5))
        }
        var rng = RandomGenerator(seed: 63)
        let xi = sampledCoordinates(24, of: x.count, rng: &rng)
        let fdx = numericalGradient(at: x, coordinates: xi, step: 1e-4) { loss($0, gamma, beta) }

        let input = Tensor(shape: c.shape, values: d.x)
        let gammaT = c.affine ? Tensor(shape: [c.features], values: d.gamma) : nil
        let betaT = c.affine ? Tensor(shape: [c.features], values: d.beta) : nil
        let run = Run(c, input, gamma: gammaT, beta: betaT)
        let dy = Tensor(shape: c.shape, values: d.dy), dx = Tensor(repeating: .nan, shape: c.shape)
        let dgamma = Tensor(shape: [c.features], values: d.gamma0), dbeta = Tensor(shape: [c.features], values: d.beta0)
        LayerNormKernel.backward(input: input, gamma: gammaT, savedMean: run.savedMean, savedInverseStd: run.savedInverseStd,
                                 outputGradient: dy, inputGradient: dx,
                                 gammaGradient: c.affine ? dgamma : nil, betaGradient: c.affine ? dbeta : nil)
        expectClose(pick(dx.doubles, xi), fdx, "input gradient")
        guard let gamma, let beta else { return }
        let fdg = numericalGradient(at: gamma, step: 1e-4) { loss(x, $0, beta) }
        let fdb = numericalGradient(at: beta, step: 1e-4) { loss(x, gamma, $0) }
        // Accumulated onto the previous gradient.
        expectClose(dgamma, zip(d.gamma0, fdg).map { Double($0) + $1 }, "gamma gradient")
        expectClose(dbeta, zip(d.beta0, fdb).map { Double($0) + $1 }, "beta gradient")

        // The parameter gradients alone, without dx, are the same numbers; dy is left as it was.
        let g2 = Tensor(shape: [c.features], values: d.gamma0), b2 = Tensor(shape: [c.features], values: d.beta0)
        LayerNormKernel.backward(input: input, gamma: gammaT, savedMean: run.savedMean, savedInverseStd: run.savedInverseStd,
                                 outputGradient: dy, inputGradient: nil, gammaGradient: g2, betaGradient: b2)
        #expect(g2.array == dgamma.array && b2.array == dbeta.array)
        #expect(dy.array == d.dy)
    }

    /// Rows offset by 100 (sd 0.58): the two-pass variance keeps them exact where E[x^2] - E[x]^2
    /// in Float would lose most of 0.33 to cancellation. The output's 1e-4 allows for ulp(100)
    /// in x - mean, as in the BatchNorm kernel's test.
    @Test func offsetRowsKeepTheirVariance() {
        var rng = RandomGenerator(seed: 64)
        let shape = [8, 1000]
        let values = randomFloats(8000, rng: &rng).map { $0 + 100 }
        let run = Run(Case(rows: 8, features: 1000, affine: false), Tensor(shape: shape, values: values), gamma: nil, beta: nil)
        let expected = Reference.layerNorm(values.map(Double.init), features: 1000, gamma: nil, beta: nil, eps: 1e-5)
        expectClose(run.output, expected, tolerance: 1e-4, "output")
    }
}
