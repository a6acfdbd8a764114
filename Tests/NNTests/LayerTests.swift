import DCGANLayers
import DCGANTensor
import Testing

/// Each layer wires its parameters, geometry and buffers to its kernel as PyTorch's module does:
/// forward and backward against the Double references, through the layer's own parameters.
@Suite struct LayerTests {
    @Test(arguments: [true, false])
    func conv2dLayerMatchesReference(bias: Bool) {
        let layer = Conv2d(3, 5, kernel: 4, stride: 2, padding: 1, bias: bias)
        #expect(layer.weight.value.shape == [5, 3, 4, 4] && layer.bias?.value.shape == (bias ? [5] : nil))
        randomizeParameters(of: layer, seed: 1)
        let x = randomTensor([3, 3, 9, 7], seed: 2)
        let y = layer(x)
        #expect(y.shape == [3, 5, 4, 3])
        let g = ConvGeometry(kernel: 4, stride: 2, padding: 1)
        let ref = Reference.conv2d(x.doubles, x.shape, layer.weight.value.doubles, [5, 3, 4, 4], bias: layer.bias?.value.doubles, g)
        expectClose(y.array, ref.values, "output")
        let dy = randomTensor(y.shape, seed: 3)
        let dx = layer.backward(dy)
        let grads = Reference.conv2dBackward(x.doubles, x.shape, layer.weight.value.doubles, [5, 3, 4, 4], dy.doubles, g)
        #expect(dx.shape == x.shape)
        expectClose(dx.array, grads.dx, "input gradient")
        expectClose(layer.weight.gradient.array, grads.dw, "weight gradient")
        if let b = layer.bias { expectClose(b.gradient.array, grads.db, "bias gradient") }
    }

    @Test(arguments: [true, false])
    func convTranspose2dLayerMatchesReference(bias: Bool) {
        let layer = ConvTranspose2d(5, 3, kernel: 3, stride: 2, padding: 1, outputPadding: 1, bias: bias)
        #expect(layer.weight.value.shape == [5, 3, 3, 3])
        randomizeParameters(of: layer, seed: 4)
        let x = randomTensor([3, 5, 7, 4], seed: 5)
        let y = layer(x)
        #expect(y.shape == [3, 3, 14, 8])
        let g = ConvGeometry(kernel: 3, stride: 2, padding: 1, outputPadding: 1)
        let w = layer.weight.value.doubles
        let ref = Reference.convTranspose2d(x.doubles, x.shape, w, [5, 3, 3, 3], bias: layer.bias?.value.doubles, g)
        expectClose(y.array, ref.values, "output")
        let dy = randomTensor(y.shape, seed: 6)
        let dx = layer.backward(dy)
        let grads = Reference.convTranspose2dBackward(x.doubles, x.shape, w, [5, 3, 3, 3], dy.doubles, g)
        expectClose(dx.array, grads.dx, "input gradient")
        expectClose(layer.weight.gradient.array, grads.dw, "weight gradient")
        if let b = layer.bias { expectClose(b.gradient.array, grads.db, "bias gradient") }
    }

    @Test(arguments: [true, false])
    func linearLayerMatchesReference(bias: Bool) {
        let layer = Linear(7, 3, bias: bias)
        #expect(layer.weight.value.shape == [3, 7])
        randomizeParameters(of: layer, seed: 7)
        let x = randomTensor([5, 7], seed: 8)
        let y = layer(x)
        let ref = Reference.linear(x.doubles, batch: 5, layer.weight.value.doubles, outFeatures: 3, bias: layer.bias?.value.doubles)
        expectClose(y.array, ref, "output")
        // dx = dy W, dW = dy^T x, db = column sums of dy, written out here.
        let dy = randomTensor([5, 3], seed: 9)
        let dx = layer.backward(dy)
        let (w, xs, dys) = (layer.weight.value.doubles, x.doubles, dy.doubles)
        var expectedDx = [Double](repeating: 0, count: 5 * 7), expectedDw = [Double](repeating: 0, count: 3 * 7)
        var expectedDb = [Double](repeating: 0, count: 3)
        for n in 0..<5 {
            for o in 0..<3 {
                let g = dys[n * 3 + o]
                expectedDb[o] += g
                for i in 0..<7 {
                    expectedDx[n * 7 + i] += g * w[o * 7 + i]
                    expectedDw[o * 7 + i] += g * xs[n * 7 + i]
                }
            }
        }
        expectClose(dx.array, expectedDx, "input gradient")
        expectClose(layer.weight.gradient.array, expectedDw, "weight gradient")
        if let b = layer.bias { expectClose(b.gradient.array, expectedDb, "bias gradient") }
    }

    /// PyTorch's sizes for the DCGAN building blocks, through the layers' `outputShape`.
    @Test func layerOutputShapes() {
        #expect(Conv2d(3, 64, kernel: 4, stride: 2, padding: 1).outputShape(for: [128, 3, 64, 64]) == [128, 64, 32, 32])
        #expect(ConvTranspose2d(128, 64, kernel: 4, stride: 2, padding: 1).outputShape(for: [2, 128, 32, 32]) == [2, 64, 64, 64])
        #expect(ConvTranspose2d(100, 512, kernel: 4, stride: 1, padding: 0).outputShape(for: [2, 100, 1, 1]) == [2, 512, 4, 4])
        #expect(ConvTranspose2d(8, 4, kernel: 3, stride: 2, padding: 1, outputPadding: 1).outputShape(for: [1, 8, 7, 7]) == [1, 4, 14, 14])
        #expect(ConvTranspose2d(128, 64, kernel: 5, stride: 2, padding: 2, outputPadding: 1).outputShape(for: [1, 128, 7, 7]) == [1, 64, 14, 14])
        // Wrong channel count, rank, or a kernel that does not fit: nil.
        #expect(Conv2d(3, 8, kernel: 3).outputShape(for: [1, 4, 8, 8]) == nil)
        #expect(Conv2d(3, 8, kernel: 3).outputShape(for: [3, 8, 8]) == nil)
        #expect(Conv2d(3, 8, kernel: 5, stride: 2).outputShape(for: [1, 3, 4, 4]) == nil)
        #expect(Linear(10, 2).outputShape(for: [4, 10]) == [4, 2] && Linear(10, 2).outputShape(for: [4, 9]) == nil)
        #expect(Upsample(factor: 2).outputShape(for: [2, 3, 5, 7]) == [2, 3, 10, 14])
        #expect(Reshape([4, 2, 2]).outputShape(for: [5, 16]) == [5, 4, 2, 2] && Reshape([4, 2, 2]).outputShape(for: [5, 15]) == nil)
        #expect(BatchNorm(3).outputShape(for: [2, 3, 4, 4]) == [2, 3, 4, 4] && BatchNorm(3).outputShape(for: [2, 3]) == [2, 3])
        #expect(BatchNorm(3).outputShape(for: [2, 4, 4, 4]) == nil)
    }

    /// Reshape is a view: same numbers, new shape; its gradient goes back to the input's shape.
    @Test func reshapeIsAView() {
        let layer = Reshape([2, 3, 1])
        let x = randomTensor([4, 6], seed: 10)
        let y = layer(x)
        #expect(y.shape == [4, 2, 3, 1] && y.array == x.array)
        let dx = layer.backward(randomTensor([4, 2, 3, 1], seed: 11))
        #expect(dx.shape == [4, 6])
    }

    @Test func upsampleLayerCopiesAndSums() {
        let layer = Upsample(factor: 2)
        let x = Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4])
        #expect(layer(x).array == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        let dy = Tensor(shape: [1, 1, 4, 4], values: (0..<16).map(Float.init))
        // Each input collects its 2x2 block: 0+1+4+5, 2+3+6+7, 8+9+12+13, 10+11+14+15.
        #expect(layer.backward(dy).array == [10, 18, 42, 50])
    }
}
