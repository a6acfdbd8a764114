import DCGANLayers
import DCGANTensor
import Testing

/// Running statistics, evaluation mode and eps, with the expected numbers worked out by hand.
@Suite struct BatchNormLayerTests {
    @Test func defaultsArePyTorchs() {
        let bn = BatchNorm(3)
        #expect(bn.eps == 1e-5 && bn.momentum == 0.1 && bn.isTraining)
        #expect(bn.runningMean.array == [0, 0, 0] && bn.runningVariance.array == [1, 1, 1])
        #expect(bn.scale?.value.array == [1, 1, 1] && bn.shift?.value.array == [0, 0, 0])
        #expect(BatchNorm(3, affine: false).parameters.isEmpty)
    }

    /// Input [2, 2, 1, 2]. Channel 0 holds 1, 2 | 3, 6: mean 3, squared deviations 4+1+0+9 = 14,
    /// biased variance 14/4 = 3.5, unbiased 14/3. Channel 1 holds 0, 0 | 0, 4: mean 1, squares
    /// 1+1+1+9 = 12, biased 3, unbiased 4.
    static let input = Tensor(shape: [2, 2, 1, 2], values: [1, 2, 0, 0, 3, 6, 0, 4])

    @Test func runningStatisticsUseMomentumAndUnbiasedVariance() {
        let bn = BatchNorm(2)
        let y = bn(Self.input)
        // Step 1 from mean 0, variance 1: 0.9 * old + 0.1 * batch.
        expectClose(bn.runningMean.array, [0.1 * 3, 0.1 * 1], "running mean after 1 step")
        expectClose(bn.runningVariance.array, [0.9 + 0.1 * 14.0 / 3, 0.9 + 0.1 * 4], "running variance after 1 step")
        // Training output uses the batch's biased variance: channel 0's 6 -> (6 - 3) / sqrt(3.5 + 1e-5).
        expectClose([y[5], y[4], y[7]], [3 / (3.5 + 1e-5).squareRoot(), 0, 3 / (3.0 + 1e-5).squareRoot()], "training output")

        // Step 2 with the input doubled: channel 0 mean 6, unbiased 56/3; channel 1 mean 2, unbiased 16.
        let doubled = Tensor(shape: [2, 2, 1, 2], values: Self.input.array.map { $0 * 2 })
        _ = bn(doubled)
        expectClose(bn.runningMean.array, [0.9 * 0.3 + 0.1 * 6, 0.9 * 0.1 + 0.1 * 2], "running mean after 2 steps")
        expectClose(bn.runningVariance.array, [0.9 * (0.9 + 1.4 / 3) + 0.1 * 56.0 / 3, 0.9 * 1.3 + 0.1 * 16],
                    "running variance after 2 steps")
    }

    /// The same for BatchNorm1d's [N, C] input: channel 0 holds 1, 3, 8 (mean 4, squares 9+1+16,
    /// unbiased 13); channel 1 holds -1, -1, -1 (mean -1, variance 0).
    @Test func runningStatisticsOf2DInputs() {
        let bn = BatchNorm(2, momentum: 0.5)
        let y = bn(Tensor(shape: [3, 2], values: [1, -1, 3, -1, 8, -1]))
        expectClose(bn.runningMean.array, [0.5 * 4, 0.5 * -1], "running mean")
        expectClose(bn.runningVariance.array, [0.5 + 0.5 * 13, 0.5], "running variance")
        // A constant channel normalises to 0 (its deviation is 0 and eps keeps 1/std finite).
        #expect(y[1] == 0 && y[3] == 0 && y[5] == 0)
    }

    /// Evaluation uses the running statistics, whatever the batch, and moves nothing.
    @Test func evaluationUsesRunningStatistics() {
        let bn = BatchNorm(2)
        bn.scale!.value.assign(from: Tensor(shape: [2], values: [2, 0.5]))
        bn.shift!.value.assign(from: Tensor(shape: [2], values: [0.1, -1]))
        _ = bn(Self.input)  // running mean [0.3, 0.1], variance [0.9 + 1.4/3, 1.3]
        bn.setTraining(false)
        let x = Tensor(shape: [1, 2, 1, 2], values: [1, 2, 3, 4])
        let y = bn(x)
        let (v0, v1) = (0.9 + 1.4 / 3 + 1e-5, 1.3 + 1e-5)
        expectClose(y.array, [(1 - 0.3) / v0.squareRoot() * 2 + 0.1, (2 - 0.3) / v0.squareRoot() * 2 + 0.1,
                              (3 - 0.1) / v1.squareRoot() * 0.5 - 1, (4 - 0.1) / v1.squareRoot() * 0.5 - 1], "evaluation output")
        expectClose(bn.runningMean.array, [0.3, 0.1], "running mean unchanged")
        // Its backward is that fixed affine map: dx = dy * gamma / sqrt(var + eps);
        // dgamma = sum dy * xhat, dbeta = sum dy.
        bn.zeroGradients()
        let dx = bn.backward(Tensor(shape: [1, 2, 1, 2], values: [1, -1, 2, 0.5]))
        expectClose(dx.array, [2 / v0.squareRoot(), -2 / v0.squareRoot(), 1 / v1.squareRoot(), 0.25 / v1.squareRoot()], "input gradient")
        expectClose(bn.shift!.gradient.array, [0, 2.5], "beta gradient")
        expectClose(bn.scale!.gradient.array, [(0.7 - 1.7) / v0.squareRoot(), (2 * 2.9 + 0.5 * 3.9) / v1.squareRoot()], "gamma gradient")
    }

    /// eps is 1e-5 inside the square root: a channel holding -a, a with a^2 = 1e-5 has variance
    /// 1e-5 and normalises to a / sqrt(2e-5) = 1/sqrt(2), where eps = 0 would give 1 and
    /// eps = 1e-3 would give 0.0995.
    @Test func epsIsAddedToTheVariance() {
        let bn = BatchNorm(1)
        let a = Float(1e-5).squareRoot()
        let y = bn(Tensor(shape: [2, 1], values: [-a, a]))
        expectClose(y.array, [-0.5.squareRoot(), 0.5.squareRoot()], "output")
    }

    /// In training mode the input gradient of a BN layer has zero sum per channel (the batch mean
    /// is subtracted) and is orthogonal to the normalised input (the variance is divided out).
    @Test func trainingGradientProjectsOutMeanAndScale() {
        let bn = BatchNorm(3)
        randomizeParameters(of: bn, seed: 90)
        let x = randomTensor([4, 3, 5, 5], -2, 3, seed: 91)
        let y = bn(x)
        let dx = bn.backward(randomTensor(y.shape, seed: 92))
        for ch in 0..<3 {
            let indices = (0..<4).flatMap { n in (0..<25).map { (n * 3 + ch) * 25 + $0 } }
            let g = indices.map { Double(dx[$0]) }, v = indices.map { Double(x[$0]) }
            let mean = v.reduce(0, +) / Double(v.count)
            let scale = g.map(abs).max()!
            #expect(abs(g.reduce(0, +)) < 1e-4 * scale * Double(g.count))
            #expect(abs(zip(g, v).map { $0 * ($1 - mean) }.reduce(0, +)) < 1e-4 * scale * Double(g.count))
        }
    }
}
