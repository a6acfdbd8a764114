/// One thread's scratch for per-sample convolutions: a sample's column matrix and its gradient
/// columns (small enough for the core's L2 cache), and private weight and bias gradients that
/// are added into the layer's after the parallel section.
final class ConvThreadScratch: @unchecked Sendable {
    var columns = ReusableTensor()
    var weightGradient = ReusableTensor()
    var biasGradient = ReusableTensor()
}

extension ConvWorkspace {
    /// Scratch for each of `parts` threads.
    func scratch(_ parts: Int) -> [ConvThreadScratch] {
        while threadScratch.count < parts { threadScratch.append(ConvThreadScratch()) }
        return threadScratch
    }
}

/// Per-sample lowering: each thread takes whole samples, unfolds one sample at a time into a
/// column matrix that stays in its L2 cache, and multiplies straight into (or out of) that
/// sample's NCHW block, with no batch-wide column matrix and no channel-major copies.
///
/// It pays when a sample's product is wide enough to run at full speed on its own (measured:
/// 128 x 256 x 1024 runs as fast as 128 x 8192 x 1024 on one core); narrower ones stay
/// batch-wide. The threshold of 196 positions (14x14 maps) was measured: against 64, 1-3%
/// faster training and generation at 32x32 and 64x64; against 256, 3% faster at 28x28 (the
/// other sizes have no map between the two); 16 and 1024 were 3-19% slower. The weight gradient is accumulated per thread and summed in thread order, so
/// results are the same from run to run for a given thread count.
enum PerSample {
    /// Positions per sample from which a product is wide enough (`ConvolutionPathPolicy`'s default).
    static let minimumPositions = 196

    /// Adds each thread's private gradients into the layer's (thread 0 wrote there directly).
    static func reduce(_ scratch: [ConvThreadScratch], parts: Int, weightGradient: Tensor?, biasGradient: Tensor?) {
        for part in 1..<max(parts, 1) {
            if let weightGradient {
                let partial = scratch[part].weightGradient.get(weightGradient.shape)
                for i in 0..<weightGradient.count { weightGradient[i] += partial[i] }
            }
            if let biasGradient {
                let partial = scratch[part].biasGradient.get(biasGradient.shape)
                for i in 0..<biasGradient.count { biasGradient[i] += partial[i] }
            }
        }
    }

    /// The gradient tensors thread `part` accumulates into.
    static func privateGradients(_ scratch: ConvThreadScratch, part: Int, weightGradient: Tensor?,
                                 biasGradient: Tensor?) -> (Tensor?, Tensor?) {
        if part == 0 { return (weightGradient, biasGradient) }
        return (weightGradient.map { scratch.weightGradient.get($0.shape, zeroed: true) },
                biasGradient.map { scratch.biasGradient.get($0.shape, zeroed: true) })
    }

    // MARK: Conv2d

    static func convForward(input: Tensor, weight: Tensor, bias: Tensor?, geometry g: ConvGeometry, output: Tensor,
                            workspace: ConvWorkspace) {
        let (n, cin, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (cout, ho, wo) = (weight.shape[0], output.shape[2], output.shape[3])
        let k = cin * g.kernel * g.kernel, positions = ho * wo
        workspace.unfoldedInput = nil
        let scratch = workspace.scratch(Parallelism.partCount(n))
        let shared = UncheckedSendable((input, weight, bias, output, scratch))
        Parallelism.forEachPart(n) { part, samples in
            let (input, weight, bias, output, scratch) = shared.value
            let columns = scratch[part].columns.get([k, positions])
            for s in samples {
                Patches.unfold(image: input.pointer + s * cin * h * w, samples: 1, channels: cin, height: h, width: w,
                               geometry: g, outHeight: ho, outWidth: wo, columns: columns.pointer, serial: true)
                let y = output.pointer + s * cout * positions
                GEMM.multiplySerial(m: cout, n: positions, k: k, a: weight.pointer, lda: k, b: columns.pointer, ldb: positions,
                                    c: y, ldc: positions)
                if let bias { addChannelBias(bias, to: y, samples: 1, channels: cout, positions: positions) }
            }
        }
    }

    static func convBackward(input: Tensor, weight: Tensor, outputGradient: Tensor, geometry g: ConvGeometry,
                             inputGradient: Tensor?, weightGradient: Tensor?, biasGradient: Tensor?, workspace: ConvWorkspace) {
        let (n, cin, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (cout, ho, wo) = (weight.shape[0], outputGradient.shape[2], outputGradient.shape[3])
        let k = cin * g.kernel * g.kernel, positions = ho * wo
        let parts = Parallelism.partCount(n)
        let scratch = workspace.scratch(parts)
        let shared = UncheckedSendable((input, weight, outputGradient, inputGradient, weightGradient, biasGradient, scratch))
        Parallelism.forEachPart(n) { part, samples in
            let (input, weight, outputGradient, inputGradient, weightGradient, biasGradient, scratch) = shared.value
            let columns = scratch[part].columns.get([k, positions])
            let (dW, dB) = privateGradients(scratch[part], part: part, weightGradient: weightGradient, biasGradient: biasGradient)
            for s in samples {
                let dy = outputGradient.pointer + s * cout * positions
                if let dB { accumulateRowSums(dy, rows: cout, length: positions, into: dB.pointer) }
                if let dW {
                    Patches.unfold(image: input.pointer + s * cin * h * w, samples: 1, channels: cin, height: h, width: w,
                                   geometry: g, outHeight: ho, outWidth: wo, columns: columns.pointer, serial: true)
                    GEMM.multiplySerial(transB: true, m: cout, n: k, k: positions, a: dy, lda: positions, b: columns.pointer,
                                        ldb: positions, beta: 1, c: dW.pointer, ldc: k)
                }
                if let inputGradient {
                    GEMM.multiplySerial(transA: true, m: k, n: positions, k: cout, a: weight.pointer, lda: k, b: dy, ldb: positions,
                                        c: columns.pointer, ldc: positions)
                    let target = inputGradient.pointer + s * cin * h * w
                    target.update(repeating: 0, count: cin * h * w)
                    Patches.fold(columns: columns.pointer, samples: 1, channels: cin, height: h, width: w, geometry: g,
                                 outHeight: ho, outWidth: wo, image: target, serial: true)
                }
            }
        }
        reduce(scratch, parts: parts, weightGradient: weightGradient, biasGradient: biasGradient)
    }

    // MARK: ConvTranspose2d

    static func transposedForward(input: Tensor, weight: Tensor, bias: Tensor?, geometry g: ConvGeometry, output: Tensor,
                                  workspace: ConvWorkspace) {
        let (n, cin, hi, wi) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (cout, ho, wo) = (weight.shape[1], output.shape[2], output.shape[3])
        let k = cout * g.kernel * g.kernel, positions = hi * wi
        let scratch = workspace.scratch(Parallelism.partCount(n))
        let shared = UncheckedSendable((input, weight, bias, output, scratch))
        Parallelism.forEachPart(n) { part, samples in
            let (input, weight, bias, output, scratch) = shared.value
            let columns = scratch[part].columns.get([k, positions])
            for s in samples {
                GEMM.multiplySerial(transA: true, m: k, n: positions, k: cin, a: weight.pointer, lda: k,
                                    b: input.pointer + s * cin * positions, ldb: positions, c: columns.pointer, ldc: positions)
                let y = output.pointer + s * cout * ho * wo
                if let bias {
                    for c in 0..<cout { (y + c * ho * wo).update(repeating: bias[c], count: ho * wo) }
                } else {
                    y.update(repeating: 0, count: cout * ho * wo)
                }
                Patches.fold(columns: columns.pointer, samples: 1, channels: cout, height: ho, width: wo, geometry: g,
                             outHeight: hi, outWidth: wi, image: y, serial: true)
            }
        }
    }

    static func transposedBackward(input: Tensor, weight: Tensor, outputGradient: Tensor, geometry g: ConvGeometry,
                                   inputGradient: Tensor?, weightGradient: Tensor?, workspace: ConvWorkspace) {
        let (n, cin, hi, wi) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (cout, ho, wo) = (weight.shape[1], outputGradient.shape[2], outputGradient.shape[3])
        let k = cout * g.kernel * g.kernel, positions = hi * wi
        let parts = Parallelism.partCount(n)
        let scratch = workspace.scratch(parts)
        let shared = UncheckedSendable((input, weight, outputGradient, inputGradient, weightGradient, scratch))
        Parallelism.forEachPart(n) { part, samples in
            let (input, weight, outputGradient, inputGradient, weightGradient, scratch) = shared.value
            let columns = scratch[part].columns.get([k, positions])
            let (dW, _) = privateGradients(scratch[part], part: part, weightGradient: weightGradient, biasGradient: nil)
            for s in samples {
                Patches.unfold(image: outputGradient.pointer + s * cout * ho * wo, samples: 1, channels: cout, height: ho, width: wo,
                               geometry: g, outHeight: hi, outWidth: wi, columns: columns.pointer, serial: true)
                if let dW {
                    GEMM.multiplySerial(transB: true, m: cin, n: k, k: positions, a: input.pointer + s * cin * positions,
                                        lda: positions, b: columns.pointer, ldb: positions, beta: 1, c: dW.pointer, ldc: k)
                }
                if let inputGradient {
                    GEMM.multiplySerial(m: cin, n: positions, k: k, a: weight.pointer, lda: k, b: columns.pointer, ldb: positions,
                                        c: inputGradient.pointer + s * cin * positions, ldc: positions)
                }
            }
        }
        reduce(scratch, parts: parts, weightGradient: weightGradient, biasGradient: nil)
    }
}
