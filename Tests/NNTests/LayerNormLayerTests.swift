import DCGANLayers
import DCGANTensor
import Testing

/// `LayerNorm` as PyTorch's `nn.LayerNorm(F)`: its defaults, a row worked by hand, and its
/// gradients reaching its parameters.
@Suite struct LayerNormLayerTests {
    @Test func defaultsArePyTorchs() {
        let norm = LayerNorm(4)
        #expect(norm.eps == 1e-5 && norm.features == 4)
        #expect(norm.scale?.value.array == [1, 1, 1, 1] && norm.shift?.value.array == [0, 0, 0, 0])
        #expect(norm.parameters.map(\.name) == ["weight", "bias"] && norm.parameters.map(\.role) == [.normScale, .normShift])
        #expect(LayerNorm(4, affine: false).parameters.isEmpty)
        #expect(norm.outputShape(for: [7, 4]) == [7, 4])
        #expect(norm.outputShape(for: [7, 5]) == nil && norm.outputShape(for: [7, 4, 1, 1]) == nil)
    }

    /// Row [1, 2, 3, 6]: mean 3, squared deviations 4+1+0+9 = 14, biased variance 3.5. Row
    /// [0, 0, 0, 4]: mean 1, variance (1+1+1+9)/4 = 3. Each row uses its own statistics, so the
    /// second row is unchanged by the first, and then the per-feature scale and shift apply.
    @Test func eachRowIsNormalisedByItsOwnStatistics() {
        let norm = LayerNorm(4)
        norm.scale!.value.assign(from: Tensor(shape: [4], values: [1, 2, 0.5, -1]))
        norm.shift!.value.assign(from: Tensor(shape: [4], values: [0, 0.1, 0, 1]))
        let y = norm(Tensor(shape: [2, 4], values: [1, 2, 3, 6, 0, 0, 0, 4]))
        let (s0, s1) = ((3.5 + 1e-5).squareRoot(), (3.0 + 1e-5).squareRoot())
        expectClose(y.array, [-2 / s0, -1 / s0 * 2 + 0.1, 0, -3 / s0 + 1,
                              -1 / s1, -1 / s1 * 2 + 0.1, -1 / s1 * 0.5, -3 / s1 + 1], "output")
    }

    /// Evaluation mode changes nothing: there are no batch statistics to switch off.
    @Test func trainingAndEvaluationAgree() {
        let norm = LayerNorm(5)
        randomizeParameters(of: norm, seed: 40)
        let x = randomTensor([3, 5], -2, 3, seed: 41)
        let training = norm(x).array
        norm.setTraining(false)
        #expect(norm(x).array == training)
    }

    /// The layer's gradients against central differences of the Double reference through its own
    /// parameters (loss <r, y>), accumulated over two calls, and none for a frozen layer.
    @Test func gradientsReachTheParameters() {
        let norm = LayerNorm(6)
        randomizeParameters(of: norm, seed: 42)
        let x = randomTensor([4, 6], -2, 3, seed: 43), r = randomTensor([4, 6], seed: 44)
        let (xd, rd) = (x.doubles, r.doubles)
        let (g, b) = (norm.scale!.value.doubles, norm.shift!.value.doubles)
        func loss(_ x: [Double], _ g: [Double], _ b: [Double]) -> Double {
            dot(rd, Reference.layerNorm(x, features: 6, gamma: g, beta: b, eps: 1e-5))
        }
        _ = norm(x)
        let dx = norm.backward(r).array
        _ = norm(x)
        _ = norm.backward(r)
        let all = Array(0..<24), features = Array(0..<6)
        expectClose(dx, numericalGradient(at: xd, coordinates: all, step: 1e-4) { loss($0, g, b) }, "input gradient")
        expectClose(norm.scale!.gradient.array,
                    numericalGradient(at: g, coordinates: features, step: 1e-4) { loss(xd, $0, b) }.map { 2 * $0 }, "weight gradient x2")
        expectClose(norm.shift!.gradient.array,
                    numericalGradient(at: b, coordinates: features, step: 1e-4) { loss(xd, g, $0) }.map { 2 * $0 }, "bias gradient x2")

        norm.zeroGradients()
        norm.setFrozen(true)
        _ = norm(x)
        #expect(norm.backward(r).array == dx)
        #expect(norm.parameters.allSatisfy { $0.gradient.array.allSatisfy { $0 == 0 } })
    }
}
