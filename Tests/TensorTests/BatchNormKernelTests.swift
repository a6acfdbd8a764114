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

    /// A cross-process sum over one process (the identity) takes the synchronised path,
    /// which must compute the same statistics as the single-process one.
    static var identitySum: BatchNormKernel.CrossProcessSum { { _ in } }

    @Test(arguments: cases, [false, true])
    func trainingForwardMatchesReference(_ c: Case, synced: Bool) {
        let d = Data(c, seed: 21)
        let input = Tensor(shape: c.shape, values: d.x), output = Tensor(repeating: .nan, shape: c.shape)
        let gamma = c.affine ? Tensor(shape: [c.channels], values: d.gamma) : nil
        let beta = c.affine ? Tensor(shape: [c.channels], values: d.beta) : nil
        let runningMean = Tensor(shape: [c.channels], values: d.runningMean)
        let runningVariance = Tensor(shape: [c.channels], values: d.runningVariance)
        let savedMean = Tensor(zeros: [c.channels]), savedInverseStd = Tensor(zeros: [c.channels])
        BatchNormKernel.forwardTraining(input: input, gamma: gamma, beta: beta, eps: Self.eps, momentum: Self.momentum,
                                        runningMean: runningMean, runningVariance: runningVariance,
                                        savedMean: savedMean, savedInverseStd: savedInverseStd, output: output,
                                        crossProcessSum: synced ? Self.identitySum : nil)
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
    @Test(arguments: cases, [false, true])
    func trainingBackwardMatchesFiniteDifferences(_ c: Case, synced: Bool) {
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
                                        savedMean: savedMean, savedInverseStd: savedInverseStd, output: output,
                                        crossProcessSum: synced ? Self.identitySum : nil)
        let dx = Tensor(repeating: .nan, shape: c.shape)
        let dgamma = Tensor(shape: [c.channels], values: d.gamma0), dbeta = Tensor(shape: [c.channels], values: d.beta0)
        BatchNormKernel.backward(input: input, gamma: gammaT, savedMean: savedMean, savedInverseStd: savedInverseStd,
                                 outputGradient: Tensor(shape: c.shape, values: d.dy), inputGradient: dx,
                                 gammaGradient: c.affine ? dgamma : nil, betaGradient: c.affine ? dbeta : nil,
                                 crossProcessSum: synced ? Self.identitySum : nil)
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
                                     gammaGradient: g2, betaGradient: b2, crossProcessSum: synced ? Self.identitySum : nil)
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

    /// Synchronised BatchNorm over two "processes" (threads whose cross-process sum adds
    /// their buffers): each normalising its half of a batch gives the outputs, running
    /// statistics and input gradients of one process normalising the whole batch, and the
    /// halves' parameter gradients add up to the whole batch's.
    @Test(arguments: [[6, 3, 5, 3], [4, 5], [2, 2, 7, 1]])
    func splitBatchMatchesWholeBatch(_ shape: [Int]) {
        let c = Case(shape: shape, affine: true), d = Data(c, seed: 26)
        let channels = shape[1], half = c.count / 2
        struct Result { var output: [Float], dx: [Float], dgamma: [Float], dbeta: [Float], runningMean: [Float], runningVariance: [Float] }
        @Sendable func run(_ part: Range<Int>, crossProcessSum: BatchNormKernel.CrossProcessSum?) -> Result {
            let partShape = [shape[0] * part.count / c.count] + shape.dropFirst()
            let input = Tensor(shape: partShape, values: Array(d.x[part])), output = Tensor(zeros: partShape)
            let gamma = Tensor(shape: [channels], values: d.gamma), beta = Tensor(shape: [channels], values: d.beta)
            let runningMean = Tensor(shape: [channels], values: d.runningMean)
            let runningVariance = Tensor(shape: [channels], values: d.runningVariance)
            let savedMean = Tensor(zeros: [channels]), savedInverseStd = Tensor(zeros: [channels])
            BatchNormKernel.forwardTraining(input: input, gamma: gamma, beta: beta, eps: Self.eps, momentum: Self.momentum,
                                            runningMean: runningMean, runningVariance: runningVariance, savedMean: savedMean,
                                            savedInverseStd: savedInverseStd, output: output, crossProcessSum: crossProcessSum)
            let dx = Tensor(zeros: partShape), dgamma = Tensor(zeros: [channels]), dbeta = Tensor(zeros: [channels])
            BatchNormKernel.backward(input: input, gamma: gamma, savedMean: savedMean, savedInverseStd: savedInverseStd,
                                     outputGradient: Tensor(shape: partShape, values: Array(d.dy[part])), inputGradient: dx,
                                     gammaGradient: dgamma, betaGradient: dbeta, crossProcessSum: crossProcessSum)
            return Result(output: output.array, dx: dx.array, dgamma: dgamma.array, dbeta: dbeta.array,
                          runningMean: runningMean.array, runningVariance: runningVariance.array)
        }
        let whole = run(0..<c.count, crossProcessSum: nil)
        let pair = PairSum()
        let halves = UncheckedSendable(ResultBox<Result>())
        DispatchQueue.concurrentPerform(iterations: 2) { rank in
            var calls = 0
            let result = run(rank * half..<(rank + 1) * half) { values in
                pair.sum(values, call: calls)
                calls += 1
            }
            halves.value.set(rank, result)
        }
        let (first, second) = (halves.value.values[0]!, halves.value.values[1]!)
        expectClose(Tensor(shape: shape, values: first.output + second.output), whole.output.map(Double.init), "output")
        expectClose(Tensor(shape: shape, values: first.dx + second.dx), whole.dx.map(Double.init), "input gradient")
        expectClose(Tensor(shape: [channels], values: zip(first.dgamma, second.dgamma).map(+)), whole.dgamma.map(Double.init), "gamma gradient")
        expectClose(Tensor(shape: [channels], values: zip(first.dbeta, second.dbeta).map(+)), whole.dbeta.map(Double.init), "beta gradient")
        for r in [first, second] {
            expectClose(Tensor(shape: [channels], values: r.runningMean), whole.runningMean.map(Double.init), "running mean")
            expectClose(Tensor(shape: [channels], values: r.runningVariance), whole.runningVariance.map(Double.init), "running variance")
        }
        // Both halves hold the same statistics, as every process of a run must.
        #expect(first.runningMean == second.runningMean && first.runningVariance == second.runningVariance)
    }
}

/// A cross-process sum for two threads: each thread's n-th call waits for the other's n-th
/// call and both receive the sum of their buffers.
private final class PairSum: @unchecked Sendable {
    private let condition = NSCondition()
    private var parts: [Int: [[Double]]] = [:]

    func sum(_ values: UnsafeMutableBufferPointer<Double>, call: Int) {
        condition.lock()
        defer { condition.unlock() }
        parts[call, default: []].append(Array(values))
        condition.broadcast()
        while parts[call]!.count < 2 { condition.wait() }
        let both = parts[call]!
        for i in values.indices { values[i] = both[0][i] + both[1][i] }
    }
}

/// One result per thread, collected under a lock.
private final class ResultBox<T> {
    private let lock = NSLock()
    private(set) var values: [Int: T] = [:]
    func set(_ index: Int, _ value: T) { lock.lock(); values[index] = value; lock.unlock() }
}
