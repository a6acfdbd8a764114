import Testing
import DCGANTensor

/// Output sizes against the formulas of PyTorch's documentation, written out as numbers:
/// Conv2d: floor((H + 2p - k) / s) + 1; ConvTranspose2d: (H - 1) s - 2p + k + output_padding.
@Suite struct ConvGeometryTests {
    struct SizeCase: Sendable, CustomTestStringConvertible {
        let kernel: Int, stride: Int, padding: Int, outputPadding: Int
        let input: Int, output: Int
        var testDescription: String { "k\(kernel) s\(stride) p\(padding) op\(outputPadding): \(input) -> \(output)" }
    }

    static let convolutions: [SizeCase] = [
        SizeCase(kernel: 4, stride: 2, padding: 1, outputPadding: 0, input: 64, output: 32),  // DCGAN D
        SizeCase(kernel: 4, stride: 2, padding: 1, outputPadding: 0, input: 8, output: 4),
        SizeCase(kernel: 4, stride: 1, padding: 0, outputPadding: 0, input: 4, output: 1),    // D's last layer
        SizeCase(kernel: 5, stride: 2, padding: 2, outputPadding: 0, input: 28, output: 14),  // CNTK MNIST D
        SizeCase(kernel: 5, stride: 2, padding: 2, outputPadding: 0, input: 14, output: 7),
        SizeCase(kernel: 3, stride: 2, padding: 1, outputPadding: 0, input: 7, output: 4),    // floor((7+2-3)/2)+1
        SizeCase(kernel: 3, stride: 2, padding: 0, outputPadding: 0, input: 8, output: 3),    // floor(5/2)+1
        SizeCase(kernel: 5, stride: 1, padding: 2, outputPadding: 0, input: 16, output: 16),  // "same"
        SizeCase(kernel: 4, stride: 2, padding: 1, outputPadding: 0, input: 5, output: 2),    // odd input
        SizeCase(kernel: 1, stride: 2, padding: 0, outputPadding: 0, input: 9, output: 5),
    ]

    static let transposedConvolutions: [SizeCase] = [
        SizeCase(kernel: 4, stride: 2, padding: 1, outputPadding: 0, input: 32, output: 64),  // DCGAN G
        SizeCase(kernel: 4, stride: 1, padding: 0, outputPadding: 0, input: 1, output: 4),   // z as 1x1 -> 4x4
        SizeCase(kernel: 3, stride: 2, padding: 1, outputPadding: 1, input: 7, output: 14),
        SizeCase(kernel: 5, stride: 2, padding: 2, outputPadding: 1, input: 7, output: 14),  // CNTK MNIST G
        SizeCase(kernel: 5, stride: 2, padding: 2, outputPadding: 0, input: 7, output: 13),
        SizeCase(kernel: 4, stride: 2, padding: 1, outputPadding: 0, input: 4, output: 8),
        SizeCase(kernel: 3, stride: 1, padding: 1, outputPadding: 0, input: 9, output: 9),
        SizeCase(kernel: 1, stride: 2, padding: 0, outputPadding: 1, input: 3, output: 6),
    ]

    @Test(arguments: convolutions)
    func convolutionOutputSize(_ c: SizeCase) {
        let g = ConvGeometry(kernel: c.kernel, stride: c.stride, padding: c.padding)
        #expect(g.convOutput(c.input) == c.output)
        // Non-square maps: each axis on its own.
        let shape = Conv2DKernel.outputShape(input: [2, 3, c.input, c.input + 1], weight: [7, 3, c.kernel, c.kernel], geometry: g)
        #expect(shape == [2, 7, c.output, g.convOutput(c.input + 1)])
    }

    @Test(arguments: transposedConvolutions)
    func transposedOutputSize(_ c: SizeCase) {
        let g = ConvGeometry(kernel: c.kernel, stride: c.stride, padding: c.padding, outputPadding: c.outputPadding)
        #expect(g.transposedOutput(c.input) == c.output)
        let shape = ConvTranspose2DKernel.outputShape(input: [2, 3, c.input, 1], weight: [3, 7, c.kernel, c.kernel], geometry: g)
        #expect(shape == [2, 7, c.output, g.transposedOutput(1)])
    }

    /// A stride-2 transposed convolution is the inverse in shape of the matching convolution
    /// when the output padding restores the size lost to the floor.
    @Test func transposedInvertsConvolutionSizes() {
        for kernel in [3, 4, 5] {
            for padding in 0...2 {
                for size in 1...20 {
                    let g = ConvGeometry(kernel: kernel, stride: 2, padding: padding)
                    let small = g.convOutput(size)
                    if small < 1 { continue }
                    let back = ConvGeometry(kernel: kernel, stride: 2, padding: padding, outputPadding: (size + 2 * padding - kernel) % 2)
                    #expect(back.transposedOutput(small) == size, "k\(kernel) p\(padding) size \(size)")
                }
            }
        }
    }

    @Test func emptyOutputsAreRejected() {
        let g = ConvGeometry(kernel: 5, stride: 1, padding: 0)
        #expect(Conv2DKernel.outputShape(input: [1, 1, 3, 3], weight: [1, 1, 5, 5], geometry: g) == nil)
        #expect(Conv2DKernel.outputShape(input: [1, 1, 5, 3], weight: [1, 1, 5, 5], geometry: g) == nil)
        #expect(Conv2DKernel.outputShape(input: [1, 1, 5, 5], weight: [1, 1, 5, 5], geometry: g) == [1, 1, 1, 1])
        // A kernel that overhangs by less than a stride does not fit either: PyTorch's size is
        // floor((4 - 5) / 2) + 1 = 0 (an error), not the 1 that truncating division gives.
        let strided = ConvGeometry(kernel: 5, stride: 2, padding: 0)
        #expect(strided.convOutput(4) <= 0)
        #expect(Conv2DKernel.outputShape(input: [1, 1, 4, 9], weight: [1, 1, 5, 5], geometry: strided) == nil)
        #expect(ConvGeometry(kernel: 4, stride: 3, padding: 1).convOutput(1) <= 0)
        let t = ConvGeometry(kernel: 1, stride: 1, padding: 2)
        #expect(ConvTranspose2DKernel.outputShape(input: [1, 1, 3, 3], weight: [1, 1, 1, 1], geometry: t) == nil)
        #expect(ConvTranspose2DKernel.outputShape(input: [1, 1, 5, 5], weight: [1, 1, 1, 1], geometry: t) == [1, 1, 1, 1])
    }
}
