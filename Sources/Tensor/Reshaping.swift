/// Data-movement kernels: nearest-neighbour upsampling and channel concatenation.
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

    /// Concatenates [N, Ci, H, W] tensors along channels into `output` [N, sum Ci, H, W].
    public static func concatChannels(_ inputs: [Tensor], output: Tensor) {
        let n = output.shape[0], plane = output.count / max(n * output.shape[1], 1)
        for s in 0..<n {
            var target = output.pointer + s * output.shape[1] * plane
            for x in inputs {
                let size = x.shape[1] * plane
                target.update(from: x.pointer + s * size, count: size)
                target += size
            }
        }
    }

    /// Splits a channel gradient back into the parts `concatChannels` joined.
    public static func splitChannels(_ gradient: Tensor, into parts: [Tensor]) {
        let n = gradient.shape[0], plane = gradient.count / max(n * gradient.shape[1], 1)
        for s in 0..<n {
            var source = gradient.pointer + s * gradient.shape[1] * plane
            for part in parts {
                let size = part.shape[1] * plane
                (part.pointer + s * size).update(from: source, count: size)
                source += size
            }
        }
    }
}
