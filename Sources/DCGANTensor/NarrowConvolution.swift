import CDCGANKernels

/// Stride-1 Conv2d to a few output channels with no column matrix (narrow_conv.c): each input
/// channel is padded once into a plane that stays in the L1 cache, and its shifted rows, times
/// each tap's weight, are added into the output planes. The column lowering would unfold
/// in_channels x kernel^2 rows per position (51 MB per 32x32 sample for the Keras CIFAR-10
/// generator's 256 -> 3 channels 7x7 output layer) for a product only `outChannels` rows tall,
/// which OpenBLAS runs at 5-7 GFLOP/s.
enum NarrowConvolution {
    static func shape(input: Tensor, weight: Tensor, geometry g: ConvGeometry, outHeight: Int, outWidth: Int) -> ck_narrow_shape {
        ck_narrow_shape(channels: Int32(input.shape[1]), height: Int32(input.shape[2]), width: Int32(input.shape[3]),
                        outs: Int32(weight.shape[0]), kernel: Int32(g.kernel), padding: Int32(g.padding),
                        out_height: Int32(outHeight), out_width: Int32(outWidth))
    }

    /// One padded plane per thread, from the workspace (this path makes no columns).
    static func planes(_ s: ck_narrow_shape, workspace: ConvWorkspace) -> (UnsafeMutablePointer<Float>, Int) {
        let size = Int(s.height + 2 * s.padding) * Int(s.width + 2 * s.padding)
        return (workspace.columns.get([Parallelism.threadCount, size]).pointer, size)
    }

    /// Writes the convolution of `input` into `output`, plus `bias`; each thread takes whole samples.
    static func forward(input: Tensor, weight: Tensor, bias: Tensor?, geometry g: ConvGeometry, output: Tensor,
                        workspace: ConvWorkspace) {
        var s = shape(input: input, weight: weight, geometry: g, outHeight: output.shape[2], outWidth: output.shape[3])
        let (planes, size) = planes(s, workspace: workspace)
        let shared = UncheckedSendable((input.pointer, weight.pointer, bias?.pointer, output.pointer, planes))
        Parallelism.forEachPart(input.shape[0]) { part, samples in
            let (x, w, b, y, planes) = shared.value
            ck_narrow_conv_forward(&s, x, w, b, y, planes + part * size, samples.lowerBound, samples.upperBound)
        }
    }

    /// `inputGradient` overwritten (each thread whole samples); `weightGradient` and
    /// `biasGradient` accumulated (the weight gradient's input channels split among the threads).
    static func backward(input: Tensor, weight: Tensor, outputGradient: Tensor, geometry g: ConvGeometry,
                         inputGradient: Tensor?, weightGradient: Tensor?, biasGradient: Tensor?, workspace: ConvWorkspace) {
        var s = shape(input: input, weight: weight, geometry: g, outHeight: outputGradient.shape[2],
                      outWidth: outputGradient.shape[3])
        let (planes, size) = planes(s, workspace: workspace)
        let n = input.shape[0], positions = Int(s.out_height * s.out_width)
        let shared = UncheckedSendable((input.pointer, weight.pointer, outputGradient.pointer, planes))
        if let dx = inputGradient {
            let target = UncheckedSendable(dx.pointer)
            Parallelism.forEachPart(n) { part, samples in
                let (_, w, dy, planes) = shared.value
                ck_narrow_conv_input_gradient(&s, dy, w, target.value, planes + part * size, samples.lowerBound, samples.upperBound)
            }
        }
        if let dw = weightGradient {
            let target = UncheckedSendable(dw.pointer)
            Parallelism.forEachPart(Int(s.channels)) { part, channels in
                let (x, _, dy, planes) = shared.value
                ck_narrow_conv_weight_gradient(&s, n, x, dy, target.value, planes + part * size, Int32(channels.lowerBound),
                                               Int32(channels.upperBound))
            }
        }
        if let bias = biasGradient {
            for sample in 0..<n {
                accumulateRowSums(outputGradient.pointer + sample * Int(s.outs) * positions, rows: Int(s.outs), length: positions,
                                  into: bias.pointer)
            }
        }
    }
}

/// The narrow path's memory, for estimates made before anything is allocated.
public enum NarrowFootprint {
    /// True when a Conv2d of geometry `g` between these channel counts takes the narrow path by
    /// default, and so keeps no column matrix (only a padded input plane per thread).
    public static func applies(_ g: ConvGeometry, inChannels: Int, outChannels: Int) -> Bool {
        ConvolutionPathPolicy().usesNarrow(g, inChannels: inChannels, outChannels: outChannels)
    }
}
