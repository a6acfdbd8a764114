@testable import DCGANTensor
import Testing

/// The per-sample paths at the default threshold (maps of at least `PerSample.minimumPositions` = 196 positions)
/// against the Double reference, with batches that split unevenly over the threads and gradients that must add to
/// what is there. ConvolutionPathTests forces every path on smaller shapes.
@Suite struct PerSampleConvolutionTests {
    @Test(arguments: [(5, 3, 4, 17, 4, 1, 1, true), (3, 2, 6, 33, 3, 2, 1, false), (1, 4, 3, 16, 1, 1, 0, true)])
    func convolutionMatchesReference(_ c: (n: Int, cin: Int, cout: Int, size: Int, kernel: Int, stride: Int, padding: Int, bias: Bool)) {
        var rng = RandomGenerator(seed: UInt64(c.size * 7 + c.n))
        let g = ConvGeometry(kernel: c.kernel, stride: c.stride, padding: c.padding)
        let x = randomTensor([c.n, c.cin, c.size, c.size], rng: &rng), w = randomTensor([c.cout, c.cin, c.kernel, c.kernel], rng: &rng)
        let b = c.bias ? randomTensor([c.cout], rng: &rng) : nil
        let outShape = Conv2DKernel.outputShape(input: x.shape, weight: w.shape, geometry: g)!
        let y = Tensor(zeros: outShape), workspace = ConvWorkspace()
        Conv2DKernel.forward(input: x, weight: w, bias: b, geometry: g, output: y, workspace: workspace)
        #expect(workspace.lastPath == .perSample, "forward path")
        let reference = Reference.conv2d(x.doubles, x.shape, w.doubles, w.shape, bias: b?.doubles, g)
        expectClose(y, reference.values, "forward")

        let dy = randomTensor(outShape, rng: &rng)
        let dx = Tensor(zeros: x.shape), dw = randomTensor(w.shape, rng: &rng), db = randomTensor([c.cout], rng: &rng)
        let (dw0, db0) = (dw.doubles, db.doubles)
        Conv2DKernel.backward(input: x, weight: w, outputGradient: dy, geometry: g, inputGradient: dx, weightGradient: dw,
                              biasGradient: c.bias ? db : nil, workspace: workspace)
        #expect(workspace.lastPath == .perSample, "backward path")
        let expected = Reference.conv2dBackward(x.doubles, x.shape, w.doubles, w.shape, dy.doubles, g)
        expectClose(dx, expected.dx, "input gradient")
        expectClose(dw, zip(dw0, expected.dw).map { $0 + $1 }, "weight gradient (accumulated)")
        if c.bias { expectClose(db, zip(db0, expected.db).map { $0 + $1 }, "bias gradient (accumulated)") }
    }

    @Test(arguments: [(5, 4, 3, 16, 4, 2, 1, 0, true), (3, 3, 2, 17, 3, 2, 1, 1, false), (2, 2, 5, 16, 5, 1, 2, 0, true)])
    func transposedConvolutionMatchesReference(
        _ c: (n: Int, cin: Int, cout: Int, size: Int, kernel: Int, stride: Int, padding: Int, outputPadding: Int, bias: Bool)
    ) {
        var rng = RandomGenerator(seed: UInt64(c.size * 11 + c.n))
        let g = ConvGeometry(kernel: c.kernel, stride: c.stride, padding: c.padding, outputPadding: c.outputPadding)
        let x = randomTensor([c.n, c.cin, c.size, c.size], rng: &rng), w = randomTensor([c.cin, c.cout, c.kernel, c.kernel], rng: &rng)
        let b = c.bias ? randomTensor([c.cout], rng: &rng) : nil
        let outShape = ConvTranspose2DKernel.outputShape(input: x.shape, weight: w.shape, geometry: g)!
        let y = Tensor(zeros: outShape), workspace = ConvWorkspace()
        ConvTranspose2DKernel.forward(input: x, weight: w, bias: b, geometry: g, output: y, workspace: workspace)
        #expect(workspace.lastPath == .perSample, "forward path")
        expectClose(y, Reference.convTranspose2d(x.doubles, x.shape, w.doubles, w.shape, bias: b?.doubles, g).values, "forward")

        let dy = randomTensor(outShape, rng: &rng)
        let dx = Tensor(zeros: x.shape), dw = randomTensor(w.shape, rng: &rng), db = randomTensor([c.cout], rng: &rng)
        let (dw0, db0) = (dw.doubles, db.doubles)
        ConvTranspose2DKernel.backward(input: x, weight: w, outputGradient: dy, geometry: g, inputGradient: dx, weightGradient: dw,
                                       biasGradient: c.bias ? db : nil, workspace: workspace)
        #expect(workspace.lastPath == .perSample, "backward path")
        let expected = Reference.convTranspose2dBackward(x.doubles, x.shape, w.doubles, w.shape, dy.doubles, g)
        expectClose(dx, expected.dx, "input gradient")
        expectClose(dw, zip(dw0, expected.dw).map { $0 + $1 }, "weight gradient (accumulated)")
        if c.bias { expectClose(db, zip(db0, expected.db).map { $0 + $1 }, "bias gradient (accumulated)") }
    }
}
