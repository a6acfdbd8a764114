import CDCGANKernels

/// Adam's elementwise update of one tensor (optimizers.c), split over the threads.
public enum AdamKernel {
    /// With g = gradient + weightDecay * weight: first = beta1 first + (1 - beta1) g, second =
    /// beta2 second + (1 - beta2) g^2, weight -= stepSize * first / (sqrt(second) /
    /// correction2 + eps); `stepSize` already divided by the first moment's bias correction,
    /// `correction2` the square root of the second's.
    public static func step(weight: Tensor, gradient: Tensor, first: Tensor, second: Tensor, beta1: Float, beta2: Float,
                            eps: Float, weightDecay: Float, stepSize: Float, correction2: Float) {
        let constants = ck_adam(beta1: beta1, beta2: beta2, weight_decay: weightDecay, step_size: stepSize,
                                correction2: correction2, eps: eps)
        let tensors = UncheckedSendable((weight.pointer, gradient.pointer, first.pointer, second.pointer))
        // Memory-bound: worth both cores for the big weight tensors.
        Parallelism.forEachChunk(weight.count, costPerItem: 8) { range in
            let (w, g, m, v) = tensors.value
            withUnsafePointer(to: constants) {
                ck_adam_step($0, w + range.lowerBound, g + range.lowerBound, m + range.lowerBound, v + range.lowerBound,
                             range.count)
            }
        }
    }
}
