/// Data-movement kernels: nearest-neighbour upsampling and the label join of conditional GANs.
public enum LayoutKernel {
    /// y[n,c,i,j] = x[n,c,i/f,j/f].
    public static func upsampleNearest(input: Tensor, factor f: Int, output: Tensor) {
        let (planes, h, w) = (input.shape[0] * input.shape[1], input.shape[2], input.shape[3])
        let ptrs = UncheckedSendable((input.pointer, output.pointer))
        Parallelism.forEachChunk(planes, costPerItem: h * w * f * f) { range in
            let (x, y) = ptrs.value
            for plane in range {
                for i in 0..<h * f {
                    let from = x + (plane * h + i / f) * w, to = y + (plane * h * f + i) * w * f
                    for j in 0..<w * f { to[j] = from[j / f] }
                }
            }
        }
    }

    /// dx[n,c,i,j] = sum of the f*f output gradients it was copied to.
    public static func upsampleNearestBackward(outputGradient: Tensor, factor f: Int, inputGradient: Tensor) {
        let (planes, h, w) = (inputGradient.shape[0] * inputGradient.shape[1], inputGradient.shape[2], inputGradient.shape[3])
        let ptrs = UncheckedSendable((outputGradient.pointer, inputGradient.pointer))
        Parallelism.forEachChunk(planes, costPerItem: h * w * f * f) { range in
            let (dy, dx) = ptrs.value
            for plane in range {
                (dx + plane * h * w).update(repeating: 0, count: h * w)
                for i in 0..<h * f {
                    let to = dx + (plane * h + i / f) * w, from = dy + (plane * h * f + i) * w * f
                    for j in 0..<w * f { to[j / f] += from[j] }
                }
            }
        }
    }

    /// The label join of conditional GANs (Newmu's conv_cond_concat): the input [N, C, S...]
    /// followed by K channels holding the rows of `oneHot` [N, K], each value broadcast over the
    /// sample's spatial positions, into `output` [N, C + K, S...]. Rank 2 inputs ([N, F]) have
    /// one position per channel. The rows may hold any numbers; the layer gives one-hot ones.
    public static func joinLabels(input: Tensor, oneHot: Tensor, output: Tensor) {
        let (n, c, k) = (input.shape[0], input.shape[1], oneHot.shape[1])
        let plane = input.count / max(n * c, 1)
        precondition(oneHot.shape[0] == n && output.count == n * (c + k) * plane,
                     "joinLabels: input \(input.shape), labels \(oneHot.shape), output \(output.shape)")
        let ptrs = UncheckedSendable((input.pointer, oneHot.pointer, output.pointer))
        Parallelism.forEachChunk(n, costPerItem: (c + k) * plane) { samples in
            let (x, labels, y) = ptrs.value
            for s in samples {
                let target = y + s * (c + k) * plane
                // The input's channels are one contiguous block per sample: a single copy.
                target.update(from: x + s * c * plane, count: c * plane)
                for label in 0..<k { (target + (c + label) * plane).update(repeating: labels[s * k + label], count: plane) }
            }
        }
    }

    /// The input's part of a `joinLabels` output gradient: the first C channels of each sample
    /// (the label channels are data, not parameters, so their part is dropped).
    public static func joinLabelsBackward(outputGradient: Tensor, inputGradient: Tensor) {
        let (n, c, joined) = (inputGradient.shape[0], inputGradient.shape[1], outputGradient.shape[1])
        let plane = inputGradient.count / max(n * c, 1)
        precondition(outputGradient.shape[0] == n && joined >= c && outputGradient.count == n * joined * plane,
                     "joinLabelsBackward: output gradient \(outputGradient.shape), input gradient \(inputGradient.shape)")
        let ptrs = UncheckedSendable((outputGradient.pointer, inputGradient.pointer))
        Parallelism.forEachChunk(n, costPerItem: c * plane) { samples in
            let (dy, dx) = ptrs.value
            for s in samples { (dx + s * c * plane).update(from: dy + s * joined * plane, count: c * plane) }
        }
    }
}
