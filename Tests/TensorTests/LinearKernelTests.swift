import Testing
import DCGANTensor

@Suite struct LinearKernelTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let batch: Int, inFeatures: Int, outFeatures: Int, bias: Bool
        var testDescription: String { "n\(batch) \(inFeatures)->\(outFeatures)\(bias ? " bias" : "")" }
    }

    static let cases: [Case] = [1, 3].flatMap { batch in
        [1, 3, 5, 7, 100].flatMap { inFeatures in
            [1, 3, 5].flatMap { outFeatures in [false, true].map { Case(batch: batch, inFeatures: inFeatures, outFeatures: outFeatures, bias: $0) } }
        }
    }

    @Test(arguments: cases)
    func forwardMatchesReference(_ c: Case) {
        var rng = RandomGenerator(seed: 61)
        let x = randomFloats(c.batch * c.inFeatures, rng: &rng), w = randomFloats(c.outFeatures * c.inFeatures, rng: &rng)
        let b = c.bias ? randomFloats(c.outFeatures, rng: &rng) : nil
        let output = Tensor(repeating: .nan, shape: [c.batch, c.outFeatures])
        LinearKernel.forward(input: Tensor(shape: [c.batch, c.inFeatures], values: x),
                             weight: Tensor(shape: [c.outFeatures, c.inFeatures], values: w),
                             bias: b.map { Tensor(shape: [c.outFeatures], values: $0) }, output: output)
        let expected = Reference.linear(x.map(Double.init), batch: c.batch, w.map(Double.init), outFeatures: c.outFeatures,
                                        bias: b?.map(Double.init))
        expectClose(output, expected, "output")
    }

    /// Against central differences of the reference (linear in each argument: a 1e-3 step is
    /// exact up to rounding). dW and db accumulate onto what was there; dx is overwritten.
    @Test(arguments: cases)
    func backwardMatchesFiniteDifferences(_ c: Case) {
        var rng = RandomGenerator(seed: 62)
        let x = randomFloats(c.batch * c.inFeatures, rng: &rng), w = randomFloats(c.outFeatures * c.inFeatures, rng: &rng)
        let b = randomFloats(c.outFeatures, rng: &rng), r = randomFloats(c.batch * c.outFeatures, rng: &rng)
        let w0 = randomFloats(w.count, rng: &rng), b0 = randomFloats(b.count, rng: &rng)
        let (xd, wd, bd, rd) = (x.map(Double.init), w.map(Double.init), b.map(Double.init), r.map(Double.init))
        func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
            dot(rd, Reference.linear(x, batch: c.batch, w, outFeatures: c.outFeatures, bias: b))
        }
        let dx = Tensor(repeating: .nan, shape: [c.batch, c.inFeatures])
        let dw = Tensor(shape: [c.outFeatures, c.inFeatures], values: w0)
        let db = c.bias ? Tensor(shape: [c.outFeatures], values: b0) : nil
        LinearKernel.backward(input: Tensor(shape: [c.batch, c.inFeatures], values: x),
                              weight: Tensor(shape: [c.outFeatures, c.inFeatures], values: w),
                              outputGradient: Tensor(shape: [c.batch, c.outFeatures], values: r),
                              inputGradient: dx, weightGradient: dw, biasGradient: db)
        expectClose(dx, numericalGradient(at: xd, step: 1e-3) { loss($0, wd, bd) }, "input gradient")
        expectClose(dw, zip(w0, numericalGradient(at: wd, step: 1e-3) { loss(xd, $0, bd) }).map { Double($0) + $1 }, "weight gradient")
        if let db {
            expectClose(db, zip(b0, numericalGradient(at: bd, step: 1e-3) { loss(xd, wd, $0) }).map { Double($0) + $1 }, "bias gradient")
        }
    }
}
