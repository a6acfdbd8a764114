import Foundation
import Testing
import DCGANTensor

@Suite struct ActivationKernelTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let kind: ActivationKind
        let shape: [Int]
        var testDescription: String { "\(kind) \(shape)" }
    }

    static let kinds: [ActivationKind] = [.relu, .leakyReLU(slope: 0.2), .leakyReLU(slope: 0.01), .elu(alpha: 1), .elu(alpha: 0.5), .tanh, .sigmoid]
    /// Odd small shapes, and one big enough (24K elements) to be split over threads.
    static let cases = kinds.flatMap { kind in [[1, 1, 1, 1], [3, 5, 7, 9], [1, 3], [8, 3, 32, 32]].map { Case(kind: kind, shape: $0) } }

    /// Inputs in [-6, 6] but at least 0.01 away from 0, the kink of ReLU, LeakyReLU and ELU(0.5),
    /// so that central differences with a 1e-6 step never straddle it.
    static func inputs(_ count: Int, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return randomFloats(count, -6, 6, rng: &rng).map { abs($0) < 0.01 ? ($0 < 0 ? -0.01 : 0.01) + $0 : $0 }
    }

    @Test(arguments: cases)
    func forwardMatchesReference(_ c: Case) {
        let n = c.shape.reduce(1, *)
        let x = Self.inputs(n, seed: 31)
        let expected = x.map { Reference.activate(c.kind, Double($0)) }
        let input = Tensor(shape: c.shape, values: x), output = Tensor(repeating: .nan, shape: c.shape)
        ActivationKernel.forward(c.kind, input: input, output: output)
        // Each output is one library call on one Float: ~1 ulp (4 for the vector tanh), far inside
        // 1e-5 of max(1, |y|).
        expectClose(output, expected, "out of place")
        expectIdentical(input.array, x, "the input of an out-of-place call is left alone")
        // In place: the input tensor itself becomes the output.
        ActivationKernel.forward(c.kind, input: input, output: input)
        expectIdentical(input.array, output.array, "in place")
    }

    /// dx = dy * f'(x), with f'(x) from central differences of the Double reference at each
    /// element (step 1e-6: truncation ~1e-12 |f'''|, rounding ~1e-10).
    @Test(arguments: cases)
    func backwardMatchesFiniteDifferences(_ c: Case) {
        let n = c.shape.reduce(1, *)
        let x = Self.inputs(n, seed: 32)
        var rng = RandomGenerator(seed: 33)
        let dy = randomFloats(n, rng: &rng)
        let h = 1e-6
        let expected = (0..<n).map { i in
            let v = Double(x[i])
            return Double(dy[i]) * (Reference.activate(c.kind, v + h) - Reference.activate(c.kind, v - h)) / (2 * h)
        }
        let output = Tensor(zeros: c.shape)
        ActivationKernel.forward(c.kind, input: Tensor(shape: c.shape, values: x), output: output)
        let gradient = Tensor(shape: c.shape, values: dy), dx = Tensor(repeating: .nan, shape: c.shape)
        ActivationKernel.backward(c.kind, output: output, outputGradient: gradient, inputGradient: dx)
        expectClose(dx, expected, "input gradient")
        // The gradient may overwrite the output gradient it reads.
        ActivationKernel.backward(c.kind, output: output, outputGradient: gradient, inputGradient: gradient)
        expectIdentical(gradient.array, dx.array, "aliased gradient")
    }

    /// At the extremes the sigmoid saturates without overflow or NaN.
    @Test func sigmoidIsStableAtLargeInputs() {
        let input = Tensor(shape: [6], values: [-1000, -100, -20, 20, 100, 1000]), output = Tensor(zeros: [6])
        ActivationKernel.forward(.sigmoid, input: input, output: output)
        #expect(output.array.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
        #expect(output[0] == 0 && output[5] == 1)
        expectClose([Double(output[2])], [2.061153622438558e-09], floor: 0, "sigmoid(-20)")
        #expect(stableSigmoid(0) == 0.5)
    }

    /// The vector tanh saturates to exactly ±1, keeps the sign of tiny inputs, passes NaN on,
    /// and gives every lane of every tail length (1 to 17 elements) the value of the scalar tanh.
    @Test func vectorTanhAtTheExtremesAndEveryTailLength() {
        let extremes: [Float] = [-.infinity, -1000, -20, -1e-30, 0, 1e-30, 20, 1000, .infinity]
        let output = Tensor(zeros: [extremes.count])
        ActivationKernel.forward(.tanh, input: Tensor(shape: [extremes.count], values: extremes), output: output)
        #expect(output.array == [-1, -1, -1, -1e-30, 0, 1e-30, 1, 1, 1])
        let nan = Tensor(shape: [1], values: [.nan])
        ActivationKernel.forward(.tanh, input: nan, output: nan)
        #expect(nan[0].isNaN)
        for count in 1...17 {
            let x = Self.inputs(count, seed: UInt64(40 + count)).map { $0 / 3 }
            let y = Tensor(repeating: .nan, shape: [count])
            ActivationKernel.forward(.tanh, input: Tensor(shape: [count], values: x), output: y)
            expectClose(y, x.map { Foundation.tanh(Double($0)) }, "\(count) elements")
        }
    }
}
