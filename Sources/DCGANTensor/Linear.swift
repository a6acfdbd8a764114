/// Fully connected layer kernels, PyTorch layout: weight [out, in], y = x W^T + b.
public enum LinearKernel {
    /// Writes y = x W^T + b for `input` [N, in] into `output` [N, out].
    public static func forward(input: Tensor, weight: Tensor, bias: Tensor?, output: Tensor) {
        let (batch, inFeatures, outFeatures) = (input.shape[0], weight.shape[1], weight.shape[0])
        if let bias {
            for b in 0..<batch { (output.pointer + b * outFeatures).update(from: bias.pointer, count: outFeatures) }
        }
        GEMM.multiply(transB: true, m: batch, n: outFeatures, k: inFeatures, a: input.pointer, lda: inFeatures,
                      b: weight.pointer, ldb: inFeatures, beta: bias == nil ? 0 : 1, c: output.pointer, ldc: outFeatures)
    }

    /// dx overwritten; dW and db accumulated. Pass nil to skip one.
    public static func backward(input: Tensor, weight: Tensor, outputGradient: Tensor, inputGradient: Tensor?,
                                weightGradient: Tensor?, biasGradient: Tensor?) {
        let (batch, inFeatures, outFeatures) = (input.shape[0], weight.shape[1], weight.shape[0])
        if let inputGradient {
            GEMM.multiply(m: batch, n: inFeatures, k: outFeatures, a: outputGradient.pointer, lda: outFeatures,
                          b: weight.pointer, ldb: inFeatures, c: inputGradient.pointer, ldc: inFeatures)
        }
        if let weightGradient {
            GEMM.multiply(transA: true, m: outFeatures, n: inFeatures, k: batch, a: outputGradient.pointer, lda: outFeatures,
                          b: input.pointer, ldb: inFeatures, beta: 1, c: weightGradient.pointer, ldc: inFeatures)
        }
        if let biasGradient {
            for b in 0..<batch { for o in 0..<outFeatures { biasGradient[o] += outputGradient[b * outFeatures + o] } }
        }
    }
}
