import Foundation
import Testing
import DCGANTensor

@Suite struct BatchNormKernelTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let shape: [Int]
        let affine: Bool
        var channels: Int { shape[1] }
        var count: Int { shape.reduce(1, *) }
        var testDescription: String { "\(shape)\(affine ? " affine" : "")" }
    }

    /// [N, C] (BatchNorm1d) and [N, C, H, W] (BatchNorm2d) with N in {1, 3}, C in {1, 3, 5},
    /// square and non-square maps, affine or not.
    static let cases: [Case] = {
        var result: [Case] = []
        for n in [1, 3] {
            for c in [1, 3, 5] {
                for spatial in [[], [1, 1], [2, 3], [5, 4], [9, 7], [6, 6]] where n * spatial.reduce(1, *) > 1 {
                    for affine in [false, true] { result.append(Case(shape: [n, c] + spatial, affine: affine)) }
                }
            }
        }
        return result
    }()

    static let eps: Float = 1e-5, momentum: Float = 0.1

    /// Data with a different offset and spread per channel, as real activations have.
    struct Data {
        let x: [Float], gamma: [Float], beta: [Float], dy: [Float], runningMean: [Float], runningVariance: [Float]
        let gamma0: [Float], beta0: [Float]
        init(_ c: Case, seed: UInt64) {
            var rng = RandomGenerator(seed: seed)
            let s = c.count / (c.shape[0] * c.channels)
            let offsets = randomFloats(c.channels, -3, 3, rng: &rng), spreads = randomFloats(c.channels, 0.5, 2, rng: &rng)
            var x = randomFloats(c.count, rng: &rng)
            for i in x.indices { let ch = (i / s) % c.channels; x[i] = offsets[ch] + spreads[ch] * x[i] }
            self.x = x
            gamma = randomFloats(c.channels, 0.5, 1.5, rng: &rng)
            beta = randomFloats(c.channels, rng: &rng)
            dy = randomFloats(c.count, rng: &rng)
            runningMean = randomFloats(c.channels, rng: &rng)
            runningVariance = randomFloats(c.channels, 0.5, 2, rng: &rng)
            gamma0 = randomFloats(c.channels, rng: &rng)
            beta0 = randomFloats(c.channels, rng: &rng)
        }
    }

    /// Per-channel mean, biased and unbiased variance, computed here from the definition.
    static func statistics(_ x: [Float], _ shape: [Int]) -> (mean: [Double], biased: [Double], unbiased: [Double]) {
        let (n, c) = (shape[0], shape[1]), s = x.count / (n * c)
        var mean = [Double](repeating: 0, count: c), biased = mean, unbiased = mean
        for ch in 0..<c {
            let values = (0..<n).flatMap { b in (0..<s).map { Double(x[(b * c + ch) * s + $0]) } }
            mean[ch] = values.reduce(0, +) / Double(values.count)
            let squares = values.map { ($0 - mean[ch]) * ($0 - mean[ch]) }.reduce(0, +)
            biased[ch] = squares / Double(values.count)
            unbiased[ch] = squares / Double(values.count - 1)
        }
        return (mean, biased, unbiased)
    }

    @Test(arguments: cases)
    func trainingForwardMatchesReference(_ c: Case) {
        let d = Data(c, seed: 21)
        let input = Tensor(shape: c.shape, values: d.x), output = Tensor(repeating: .nan, shape: c.shape)
        let gamma = c.affine ? Tensor(shape: [c.channels], values: d.gamma) : nil
        let beta = c.affine ? Tensor(shape: [c.channels], values: d.beta) : nil
        let runningMean = Tensor(shape: [c.channels], values: d.runningMean)
        let runningVariance = Tensor(shape: [c.channels], values: d.runningVariance)
        let savedMean = Tensor(zeros: [c.channels]), savedInverseStd = Tensor(zeros: [c.channels])
        BatchNormKernel.forwardTraining(input: input, gamma: gamma, beta: beta, eps: Self.eps, momentum: Self.momentum,
                                        runningMean: runningMean, runningVariance: runningVariance,
                                        savedMean: savedMean, savedInverseStd: savedInverseStd, output: output)
        let expected = Reference.batchNorm(d.x.map(Double.init), c.shape, gamma: gamma?.doubles, beta: beta?.doubles, eps: 1e-5)
        // Outputs are O(1) whatever the input's offset: the 1e-5 rule of `scaledError` applies.
        expectClose(output, expected, "output")
        let stats = Self.statistics(d.x, c.shape)
        expectClose(savedMean, stats.mean, floor: 1, "saved mean")
        expectClose(savedInverseStd, stats.biased.map { 1 / ($0 + 1e-5).squareRoot() }, "saved 1/std")
        // Running statistics move 10% of the way to the batch mean and *unbiased* variance.
        expectClose(runningMean, zip(d.runningMean, stats.mean).map { 0.9 * Double($0) + 0.1 * $1 }, "running mean")
        expectClose(runningVariance, zip(d.runningVariance, stats.unbiased).map { 0.9 * Double($0) + 0.1 * $1 }, "running variance")
    }

    /// dx, dgamma and dbeta against central differences of the Double reference forward, with the
    /// scalar loss L = <r, BN(x)> (so dL/dy = r). BN is smooth: a step of 1e-4 has a truncation
    /// error ~1e-8 |f'''| and a rounding error ~1e-12, far below the Float backward's ~1e-6.
    @Test(arguments: cases)
    func trainingBackwardMatchesFiniteDifferences(_ c: Case) {
        let d = Data(c, seed: 22)
        let x = d.x.map(Double.init), r = d.dy.map(Double.init)
        let gamma = d.gamma.map(Double.init), beta = d.beta.map(Double.init)
        func loss(_ x: [Double], _ g: [Double]?, _ b: [Double]?) -> Double {
            dot(r, Reference.batchNorm(x, c.shape, gamma: g, beta: b, eps: 1e-5))
        }
        var rng = RandomGenerator(seed: 23)
        let xi = sampledCoordinates(24, of: x.count, rng: &rng)
        let fdx = numericalGradient(at: x, coordinates: xi, step: 1e-4) { loss($0, c.affine ? gamma : nil, c.affine ? beta : nil) }

        let input = Tensor(shape: c.shape, values: d.x), output = Tensor(zeros: c.shape)
        let gammaT = c.affine ? Tensor(shape: [c.channels], values: d.gamma) : nil
        let betaT = c.affine ? Tensor(shape: [c.channels], values: d.beta) : nil
        let savedMean = Tensor(zeros: [c.channels]), savedInverseStd = Tensor(zeros: [c.channels])
        BatchNormKernel.forwardTraining(input: input, gamma: gammaT, beta: betaT, eps: Self.eps, momentum: Self.momentum,
                                        runningMean: Tensor(zeros: [c.channels]), runningVariance: Tensor(zeros: [c.channels]),
                                        savedMean: savedMean, savedInverseStd: savedInverseStd, output: output)
        let dx = Tensor(repeating: .nan, shape: c.shape)
        let dgamma = Tensor(shape: [c.channels], values: d.gamma0), dbeta = Tensor(shape: [c.channels], values: d.beta0)
        BatchNormKernel.backward(input: input, gamma: gammaT, savedMean: savedMean, savedInverseStd: savedInverseStd,
                                 outputGradient: Tensor(shape: c.shape, values: d.dy), inputGradient: dx,
                                 gammaGradient: c.affine ? dgamma : nil, betaGradient: c.affine ? dbeta : nil)
        expectClose(pick(dx.doubles, xi), fdx, "input gradient")
        if c.affine {
            let fdg = numericalGradient(at: gamma, step: 1e-4) { loss(x, $0, beta) }
            let fdb = numericalGradient(at: beta, step: 1e-4) { loss(x, gamma, $0) }
            // Accumulated onto the previous gradient.
            expectClose(dgamma, zip(d.gamma0, fdg).map { Double($0) + $1 }, "gamma gradient")
            expectClose(dbeta, zip(d.beta0, fdb).map { Double($0) + $1 }, "beta gradient")
        }
        // Parameter gradients alone, without dx, are the same numbers.
        if c.affine {
            let g2 = Tensor(shape: [c.channels], values: d.gamma0), b2 = Tensor(shape: [c.channels], values: d.beta0)
            BatchNormKernel.backward(input: input, gamma: gammaT, savedMean: savedMean, savedInverseStd: savedInverseStd,
                                     outputGradient: Tensor(shape: c.shape, values: d.dy), inputGradient: nil,
                                     gammaGradient: g2, betaGradient: b2)
            #expect(g2.array == dgamma.array && b2.array == dbeta.array)
        }
    }

    /// Evaluation mode: y = (x - running mean) / sqrt(running var + eps) * gamma + beta, an affine
    /// map per channel; its backward is checked against central differences of that formula.
    @Test(arguments: cases)
    func inferenceForwardAndBackward(_ c: Case) {
        let d = Data(c, seed: 24)
        let s = c.count / (c.shape[0] * c.channels)
        let mean = d.runningMean.map(Double.init), variance = d.runningVariance.map(Double.init)
        func reference(_ x: [Double], _ g: [Double], _ b: [Double]) -> [Double] {
            x.indices.map { i in
                let ch = (i / s) % c.channels
                return (x[i] - mean[ch]) / (variance[ch] + 1e-5).squareRoot() * (c.affine ? g[ch] : 1) + (c.affine ? b[ch] : 0)
            }
        }
        let x = d.x.map(Double.init), g = d.gamma.map(Double.init), b = d.beta.map(Double.init), r = d.dy.map(Double.init)
        let input = Tensor(shape: c.shape, values: d.x), output = Tensor(repeating: .nan, shape: c.shape)
        let gammaT = c.affine ? Tensor(shape: [c.channels], values: d.gamma) : nil
        let betaT = c.affine ? Tensor(shape: [c.channels], values: d.beta) : nil
        let runningMean = Tensor(shape: [c.channels], values: d.runningMean)
        let runningVariance = Tensor(shape: [c.channels], values: d.runningVariance)
        BatchNormKernel.forwardInference(input: input, gamma: gammaT, beta: betaT, eps: Self.eps, runningMean: runningMean,
                                         runningVariance: runningVariance, output: output)
        // The running statistics are read, never written, in evaluation.
        #expect(runningMean.array == d.runningMean && runningVariance.array == d.runningVariance)
        expectClose(output, reference(x, g, b), "output")

        let dx = Tensor(repeating: .nan, shape: c.shape)
        let dgamma = Tensor(shape: [c.channels], values: d.gamma0), dbeta = Tensor(shape: [c.channels], values: d.beta0)
        BatchNormKernel.backwardInference(input: input, gamma: gammaT, eps: Self.eps, runningMean: runningMean,
                                          runningVariance: runningVariance, outputGradient: Tensor(shape: c.shape, values: d.dy),
                                          inputGradient: dx, gammaGradient: dgamma, betaGradient: dbeta)
        // Linear in each argument: a step of 1e-3 is exact up to rounding.
        expectClose(dx, numericalGradient(at: x, step: 1e-3) { dot(r, reference($0, g, b)) }, "input gradient")
        if c.affine {
            expectClose(dgamma, zip(d.gamma0, numericalGradient(at: g, step: 1e-3) { dot(r, reference(x, $0, b)) }).map { Double($0) + $1 },
                        "gamma gradient")
            expectClose(dbeta, zip(d.beta0, numericalGradient(at: b, step: 1e-3) { dot(r, reference(x, g, $0)) }).map { Double($0) + $1 },
                        "beta gradient")
        }
    }

    /// Offset channels (mean 100, sd 0.58): the variance must not be lost to cancellation
    /// (E[x^2] - E[x]^2 summed in Float over 16K values would be off by far more than 1e-4 of
    /// 0.33), and with 256 KiB of data the work is split over threads.
    @Test func offsetChannelsKeepTheirVariance() {
        var rng = RandomGenerator(seed: 25)
        let shape = [16, 4, 32, 32]
        var values = randomFloats(shape.reduce(1, *), rng: &rng)
        for i in values.indices { values[i] += 100 }
        let input = Tensor(shape: shape, values: values), output = Tensor(zeros: shape)
        BatchNormKernel.forwardTraining(input: input, gamma: nil, beta: nil, eps: Self.eps, momentum: Self.momentum,
                                        runningMean: Tensor(zeros: [4]), runningVariance: Tensor(zeros: [4]),
                                        savedMean: Tensor(zeros: [4]), savedInverseStd: Tensor(zeros: [4]), output: output)
        // y = x * (1/sd) + (-mean/sd), as PyTorch's CPU kernel folds it: the two terms are ~173
        // and cancel to O(1), so the Float result carries ulp(173) ~ 1.5e-5 of absolute error;
        // hence 1e-4 here rather than 1e-5.
        let expected = Reference.batchNorm(values.map(Double.init), shape, gamma: nil, beta: nil, eps: 1e-5)
        expectClose(output, expected, tolerance: 1e-4, "output")
    }
}
