/// Scratch buffers a convolution layer keeps between calls so that its kernels allocate nothing
/// once shapes are known.
public final class ConvWorkspace: @unchecked Sendable {
    var columns = ReusableTensor()
    var packed = ReusableTensor()
    /// Cache-sized columns of the input gradient, folded as soon as they are made.
    var gradientColumns = ReusableTensor()
    /// The input whose unfolded patches `columns` holds for the whole batch, if any: a
    /// convolution's backward pass then reuses them for the weight gradient.
    var unfoldedInput: TensorStorage?
    /// Per-thread scratch of the per-sample paths (see `PerSample`).
    var threadScratch: [ConvThreadScratch] = []
    /// Where the kernels switch paths: the measured defaults unless a test forces one.
    var policy = ConvolutionPathPolicy()
    /// The path the last call with this workspace took, for tests to assert (nil after a
    /// transposed backward asked for the bias gradient alone, which makes no product).
    var lastPath: ConvolutionPath?
    /// The path of the last backward's input gradient when it took its own (Winograd's), else nil:
    /// `lastPath` then tells the weight gradient's.
    var lastInputGradientPath: ConvolutionPath?
    /// Empty scratch: buffers are allocated on first use and kept for the next call.
    public init() {}
}

/// True when a convolution's kernel covers its whole (unpadded) input, so that it is a plain
/// matrix product over flattened samples and needs no unfolding (D's last layer, G's first).
func coversWholeImage(_ g: ConvGeometry, height: Int, width: Int) -> Bool {
    g.padding == 0 && g.outputPadding == 0 && g.kernel == height && g.kernel == width
}

/// Adds bias[c] to every position of channel c of an [n, c, positions] tensor.
func addChannelBias(_ bias: Tensor, to output: UnsafeMutablePointer<Float>, samples: Int, channels: Int, positions: Int) {
    for s in 0..<samples {
        for c in 0..<channels {
            let row = output + (s * channels + c) * positions
            for p in 0..<positions { row[p] += bias[c] }
        }
    }
}

/// Sums a channel-major matrix [channels, length] row by row into `sums` (+=).
func accumulateRowSums(_ matrix: UnsafePointer<Float>, rows: Int, length: Int, into sums: UnsafeMutablePointer<Float>) {
    for r in 0..<rows { sums[r] += Float(VectorSums.sum(matrix + r * length, length)) }
}

/// The kernels of a convolution layer: what `Conv2d` and `ConvTranspose2d` have in common.
public protocol ConvolutionKernel {
    /// The layer's name as PyTorch spells it.
    static var name: String { get }
    /// Which weight axis counts input channels (Conv2d's weight is [out, in, k, k],
    /// ConvTranspose2d's [in, out, k, k]).
    static var inputChannelAxis: Int { get }
    /// True when the products run from the small side to the large one (ConvTranspose2d):
    /// the work then scales with the input's size instead of the output's.
    static var isTransposed: Bool { get }
    /// The output shape for `input` [N, C, H, W] and `weight`, or nil if they do not fit together.
    static func outputShape(input: [Int], weight: [Int], geometry: ConvGeometry) -> [Int]?
    /// Writes the convolution of `input` with `weight` (plus `bias`, then `epilogue` if given)
    /// into `output`; `workspace` keeps scratch buffers (and the unfolded input for the backward
    /// pass) between calls.
    static func forward(input: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvGeometry, output: Tensor,
                        workspace: ConvWorkspace, epilogue: ConvEpilogue?)
    /// From dL/d(output), writes dL/d(input) into `inputGradient` and adds dL/d(weight) and
    /// dL/d(bias) to `weightGradient` and `biasGradient`; a nil target is skipped.
    static func backward(input: Tensor, weight: Tensor, outputGradient: Tensor, geometry: ConvGeometry,
                         inputGradient: Tensor?, weightGradient: Tensor?, biasGradient: Tensor?, workspace: ConvWorkspace)
}

extension ConvolutionKernel {
    /// Writes the convolution of `input` with `weight` (plus `bias`) into `output`.
    public static func forward(input: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvGeometry, output: Tensor,
                               workspace: ConvWorkspace) {
        forward(input: input, weight: weight, bias: bias, geometry: geometry, output: output, workspace: workspace,
                epilogue: nil)
    }
}

/// Conv2d (PyTorch semantics): input [N, Cin, H, W], weight [Cout, Cin, k, k], bias [Cout],
/// output [N, Cout, Ho, Wo]. Lowered to matrix products over chunks of samples.
public enum Conv2DKernel: ConvolutionKernel {
    public static let name = "Conv2d"
    public static let inputChannelAxis = 1
    public static let isTransposed = false

    /// Output shape for an input shape, or nil if the kernel does not fit.
    public static func outputShape(input: [Int], weight: [Int], geometry g: ConvGeometry) -> [Int]? {
        let h = g.convOutput(input[2]), w = g.convOutput(input[3])
        return h >= 1 && w >= 1 ? [input[0], weight[0], h, w] : nil
    }

    /// Writes the convolution of `input` into `output`, through `epilogue` if given.
    public static func forward(input: Tensor, weight: Tensor, bias: Tensor?, geometry g: ConvGeometry,
                               output: Tensor, workspace: ConvWorkspace, epilogue: ConvEpilogue?) {
        let (n, cin, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (cout, ho, wo) = (weight.shape[0], output.shape[2], output.shape[3])
        let k = cin * g.kernel * g.kernel, positions = ho * wo
        // The Winograd path applies the epilogue as it writes; the others in a pass after.
        var fused = false
        defer { if !fused { epilogue?.apply(to: output) } }
        if coversWholeImage(g, height: h, width: w) {
            // y[n, o] = sum_k x[n, k] W[o, k]: the samples are the rows already.
            GEMM.multiply(transB: true, m: n, n: cout, k: k, a: input.pointer, lda: k, b: weight.pointer, ldb: k,
                          c: output.pointer, ldc: cout)
            if let bias { addChannelBias(bias, to: output.pointer, samples: n, channels: cout, positions: 1) }
            workspace.lastPath = .matrixProduct
            return
        }
        if workspace.policy.usesWinograd(g, inChannels: cin, outChannels: cout) {
            workspace.unfoldedInput = nil
            workspace.lastPath = Winograd.convolve(transposed: false, input: input, weight: weight, bias: bias,
                                                   epilogue: epilogue, output: output, workspace: workspace)
            fused = true
            return
        }
        if workspace.policy.usesNarrow(g, inChannels: cin, outChannels: cout) {
            workspace.unfoldedInput = nil
            workspace.lastPath = .narrow
            NarrowConvolution.forward(input: input, weight: weight, bias: bias, geometry: g, output: output, workspace: workspace)
            return
        }
        if workspace.policy.usesPerSample(positions: positions) {
            workspace.lastPath = .perSample
            PerSample.convForward(input: input, weight: weight, bias: bias, geometry: g, output: output, workspace: workspace)
            return
        }
        let chunk = samplesPerChunk(total: n, columnFloatsPerSample: k * positions, budget: workspace.policy.columnBudget)
        let columns = workspace.columns.get([k, chunk * positions])
        let product = workspace.packed.get([cout, chunk * positions])
        workspace.unfoldedInput = chunk == n ? input.storage : nil
        workspace.lastPath = .batched(samples: chunk, chunks: chunkCount(n, chunk))
        for start in stride(from: 0, to: n, by: chunk) {
            let count = min(chunk, n - start)
            Patches.unfold(image: input.pointer + start * cin * h * w, samples: count, channels: cin, height: h, width: w,
                           geometry: g, outHeight: ho, outWidth: wo, columns: columns.pointer)
            GEMM.multiply(m: cout, n: count * positions, k: k, a: weight.pointer, lda: k,
                          b: columns.pointer, ldb: count * positions, c: product.pointer, ldc: count * positions)
            Patches.fromChannelMajor(product.pointer, samples: count, channels: cout, positions: positions,
                                     bias: bias.map { UnsafePointer($0.pointer) }, output.pointer + start * cout * positions)
        }
    }

    /// Gradients: `inputGradient` is overwritten; `weightGradient` and `biasGradient` are
    /// accumulated (+=), as PyTorch accumulates parameter gradients. Pass nil to skip one.
    public static func backward(input: Tensor, weight: Tensor, outputGradient: Tensor, geometry g: ConvGeometry,
                                inputGradient: Tensor?, weightGradient: Tensor?, biasGradient: Tensor?,
                                workspace: ConvWorkspace) {
        let (n, cin, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (cout, ho, wo) = (weight.shape[0], outputGradient.shape[2], outputGradient.shape[3])
        let k = cin * g.kernel * g.kernel, positions = ho * wo
        workspace.lastInputGradientPath = nil
        if workspace.policy.usesWinograd(g, inChannels: cin, outChannels: cout) {
            let dy = outputGradient.pointer
            if let dx = inputGradient {
                // The adjoint of Conv2d is ConvTranspose2d with the same weight read as [in, out, k, k].
                workspace.lastInputGradientPath = Winograd.convolve(transposed: true, input: outputGradient, weight: weight,
                                                                    output: dx, workspace: workspace)
            }
            if let bias = biasGradient {
                for s in 0..<n { accumulateRowSums(dy + s * cout * positions, rows: cout, length: positions, into: bias.pointer) }
            }
            workspace.lastPath = weightGradient.map {
                Winograd.weightGradient(transposed: false, input: input.pointer, samples: n, inChannels: cin, height: h,
                                        width: w, outputGradient: dy, outChannels: cout, outHeight: ho, outWidth: wo,
                                        weightGradient: $0.pointer, workspace: workspace)
            }
            return
        }
        if coversWholeImage(g, height: h, width: w) {
            let dy = outputGradient.pointer
            if let bias = biasGradient { for s in 0..<n { for o in 0..<cout { bias[o] += dy[s * cout + o] } } }
            if let weightGradient {
                GEMM.multiply(transA: true, m: cout, n: k, k: n, a: dy, lda: cout, b: input.pointer, ldb: k,
                              beta: 1, c: weightGradient.pointer, ldc: k)
            }
            if let inputGradient {
                GEMM.multiply(m: n, n: k, k: cout, a: dy, lda: cout, b: weight.pointer, ldb: k, c: inputGradient.pointer, ldc: k)
            }
            workspace.lastPath = .matrixProduct
            return
        }
        if workspace.policy.usesNarrow(g, inChannels: cin, outChannels: cout) {
            workspace.lastPath = .narrow
            NarrowConvolution.backward(input: input, weight: weight, outputGradient: outputGradient, geometry: g,
                                       inputGradient: inputGradient, weightGradient: weightGradient, biasGradient: biasGradient,
                                       workspace: workspace)
            return
        }
        if workspace.policy.usesPerSample(positions: positions) {
            workspace.lastPath = .perSample
            PerSample.convBackward(input: input, weight: weight, outputGradient: outputGradient, geometry: g,
                                   inputGradient: inputGradient, weightGradient: weightGradient, biasGradient: biasGradient,
                                   workspace: workspace)
            return
        }
        let policy = workspace.policy
        let chunk = samplesPerChunk(total: n, columnFloatsPerSample: k * positions, budget: policy.columnBudget)
        let columns = workspace.columns.get([k, chunk * positions])
        let packedGradient = workspace.packed.get([cout, chunk * positions])
        // The forward pass left this input's patches in `columns` when the batch was one chunk.
        let columnsReady = chunk == n && workspace.unfoldedInput === input.storage
        workspace.unfoldedInput = nil
        let gradientSamples = inputGradient == nil ? 0
            : samplesPerChunk(total: chunk, columnFloatsPerSample: k * positions, budget: policy.cacheBudget)
        workspace.lastPath = .batched(samples: chunk, chunks: chunkCount(n, chunk), gradientSamples: gradientSamples,
                                      reusedColumns: columnsReady && weightGradient != nil)
        for start in stride(from: 0, to: n, by: chunk) {
            let count = min(chunk, n - start), length = count * positions
            Patches.toChannelMajor(outputGradient.pointer + start * cout * positions, samples: count, channels: cout,
                                   positions: positions, packedGradient.pointer)
            if let bias = biasGradient {
                accumulateRowSums(packedGradient.pointer, rows: cout, length: length, into: bias.pointer)
            }
            if let weightGradient {
                if !columnsReady {
                    Patches.unfold(image: input.pointer + start * cin * h * w, samples: count, channels: cin, height: h, width: w,
                                   geometry: g, outHeight: ho, outWidth: wo, columns: columns.pointer)
                }
                GEMM.multiply(transB: true, m: cout, n: k, k: length, a: packedGradient.pointer, lda: length,
                              b: columns.pointer, ldb: length, beta: 1, c: weightGradient.pointer, ldc: k)
            }
            if let inputGradient {
                let part = samplesPerChunk(total: count, columnFloatsPerSample: k * positions, budget: policy.cacheBudget)
                let gradientColumns = workspace.gradientColumns.get([k, part * positions])
                for first in stride(from: 0, to: count, by: part) {
                    let samples = min(part, count - first)
                    GEMM.multiply(transA: true, m: k, n: samples * positions, k: cout, a: weight.pointer, lda: k,
                                  b: packedGradient.pointer + first * positions, ldb: length,
                                  c: gradientColumns.pointer, ldc: samples * positions)
                    let target = inputGradient.pointer + (start + first) * cin * h * w
                    target.update(repeating: 0, count: samples * cin * h * w)
                    Patches.fold(columns: gradientColumns.pointer, samples: samples, channels: cin, height: h, width: w,
                                 geometry: g, outHeight: ho, outWidth: wo, image: target)
                }
            }
        }
    }
}

/// ConvTranspose2d (PyTorch semantics): input [N, Cin, Hi, Wi], weight [Cin, Cout, k, k],
/// bias [Cout], output [N, Cout, Ho, Wo] with Ho = (Hi-1)*s - 2p + k + outputPadding.
/// It is the adjoint of Conv2d, so it reuses the same unfold/fold pair the other way round.
public enum ConvTranspose2DKernel: ConvolutionKernel {
    public static let name = "ConvTranspose2d"
    public static let inputChannelAxis = 0
    public static let isTransposed = true

    /// Output shape for an input shape, or nil if it would be empty.
    public static func outputShape(input: [Int], weight: [Int], geometry g: ConvGeometry) -> [Int]? {
        let h = g.transposedOutput(input[2]), w = g.transposedOutput(input[3])
        return h >= 1 && w >= 1 ? [input[0], weight[1], h, w] : nil
    }

    /// Transposed convolution of `input` [N, in, H, W] with `weight` [in, out, k, k] (PyTorch's
    /// layout), plus `bias`, through `epilogue` if given.
    public static func forward(input: Tensor, weight: Tensor, bias: Tensor?, geometry g: ConvGeometry,
                               output: Tensor, workspace: ConvWorkspace, epilogue: ConvEpilogue?) {
        let (n, cin, hi, wi) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (cout, ho, wo) = (weight.shape[1], output.shape[2], output.shape[3])
        let k = cout * g.kernel * g.kernel, positions = hi * wi
        // The Winograd path applies the epilogue as it writes; the others in a pass after.
        var fused = false
        defer { if !fused { epilogue?.apply(to: output) } }
        if coversWholeImage(g, height: ho, width: wo) {
            // A 1x1 input (z): y[n, (o, u, v)] = sum_c x[n, c] W[c, (o, u, v)].
            GEMM.multiply(m: n, n: k, k: cin, a: input.pointer, lda: cin, b: weight.pointer, ldb: k, c: output.pointer, ldc: k)
            if let bias { addChannelBias(bias, to: output.pointer, samples: n, channels: cout, positions: ho * wo) }
            workspace.lastPath = .matrixProduct
            return
        }
        if workspace.policy.usesWinograd(g, inChannels: cin, outChannels: cout) {
            workspace.lastPath = Winograd.convolve(transposed: true, input: input, weight: weight, bias: bias,
                                                   epilogue: epilogue, output: output, workspace: workspace)
            fused = true
            return
        }
        if workspace.policy.usesPerSample(positions: positions) {
            workspace.lastPath = .perSample
            PerSample.transposedForward(input: input, weight: weight, bias: bias, geometry: g, output: output, workspace: workspace)
            return
        }
        let chunk = samplesPerChunk(total: n, columnFloatsPerSample: k * positions, budget: workspace.policy.cacheBudget)
        let columns = workspace.columns.get([k, chunk * positions])
        let packedInput = workspace.packed.get([cin, chunk * positions])
        workspace.lastPath = .batched(samples: chunk, chunks: chunkCount(n, chunk))
        for start in stride(from: 0, to: n, by: chunk) {
            let count = min(chunk, n - start), length = count * positions
            Patches.toChannelMajor(input.pointer + start * cin * positions, samples: count, channels: cin,
                                   positions: positions, packedInput.pointer)
            GEMM.multiply(transA: true, m: k, n: length, k: cin, a: weight.pointer, lda: k,
                          b: packedInput.pointer, ldb: length, c: columns.pointer, ldc: length)
            let target = output.pointer + start * cout * ho * wo
            if let bias {
                for s in 0..<count {
                    for c in 0..<cout { (target + (s * cout + c) * ho * wo).update(repeating: bias[c], count: ho * wo) }
                }
            } else {
                target.update(repeating: 0, count: count * cout * ho * wo)
            }
            Patches.fold(columns: columns.pointer, samples: count, channels: cout, height: ho, width: wo,
                         geometry: g, outHeight: hi, outWidth: wi, image: target)
        }
    }

    /// Gradients: `inputGradient` overwritten; `weightGradient` and `biasGradient` accumulated.
    public static func backward(input: Tensor, weight: Tensor, outputGradient: Tensor, geometry g: ConvGeometry,
                                inputGradient: Tensor?, weightGradient: Tensor?, biasGradient: Tensor?,
                                workspace: ConvWorkspace) {
        let (n, cin, hi, wi) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (cout, ho, wo) = (weight.shape[1], outputGradient.shape[2], outputGradient.shape[3])
        let k = cout * g.kernel * g.kernel, positions = hi * wi
        if let bias = biasGradient {
            for s in 0..<n {
                accumulateRowSums(outputGradient.pointer + s * cout * ho * wo, rows: cout, length: ho * wo, into: bias.pointer)
            }
        }
        workspace.lastInputGradientPath = nil
        if workspace.policy.usesWinograd(g, inChannels: cin, outChannels: cout) {
            if let dx = inputGradient {
                // The adjoint of ConvTranspose2d is Conv2d with the same weight read as [out, in, k, k].
                workspace.lastInputGradientPath = Winograd.convolve(transposed: false, input: outputGradient, weight: weight,
                                                                    output: dx, workspace: workspace)
            }
            workspace.lastPath = weightGradient.map {
                Winograd.weightGradient(transposed: true, input: input.pointer, samples: n, inChannels: cin, height: hi,
                                        width: wi, outputGradient: outputGradient.pointer, outChannels: cout, outHeight: ho,
                                        outWidth: wo, weightGradient: $0.pointer, workspace: workspace)
            }
            return
        }
        if inputGradient == nil && weightGradient == nil {
            workspace.lastPath = nil
            return
        }
        if coversWholeImage(g, height: ho, width: wo) {
            let dy = outputGradient.pointer
            if let weightGradient {
                GEMM.multiply(transA: true, m: cin, n: k, k: n, a: input.pointer, lda: cin, b: dy, ldb: k,
                              beta: 1, c: weightGradient.pointer, ldc: k)
            }
            if let inputGradient {
                GEMM.multiply(transB: true, m: n, n: cin, k: k, a: dy, lda: k, b: weight.pointer, ldb: k, c: inputGradient.pointer, ldc: cin)
            }
            workspace.lastPath = .matrixProduct
            return
        }
        if workspace.policy.usesPerSample(positions: positions) {
            workspace.lastPath = .perSample
            PerSample.transposedBackward(input: input, weight: weight, outputGradient: outputGradient, geometry: g,
                                         inputGradient: inputGradient, weightGradient: weightGradient, workspace: workspace)
            return
        }
        let chunk = samplesPerChunk(total: n, columnFloatsPerSample: k * positions, budget: workspace.policy.cacheBudget)
        let columns = workspace.columns.get([k, chunk * positions])
        let packed = workspace.packed.get([cin, chunk * positions])
        workspace.lastPath = .batched(samples: chunk, chunks: chunkCount(n, chunk))
        for start in stride(from: 0, to: n, by: chunk) {
            let count = min(chunk, n - start), length = count * positions
            Patches.unfold(image: outputGradient.pointer + start * cout * ho * wo, samples: count, channels: cout,
                           height: ho, width: wo, geometry: g, outHeight: hi, outWidth: wi, columns: columns.pointer)
            if let weightGradient {
                Patches.toChannelMajor(input.pointer + start * cin * positions, samples: count, channels: cin,
                                       positions: positions, packed.pointer)
                GEMM.multiply(transB: true, m: cin, n: k, k: length, a: packed.pointer, lda: length,
                              b: columns.pointer, ldb: length, beta: 1, c: weightGradient.pointer, ldc: k)
            }
            if let inputGradient {
                GEMM.multiply(m: cin, n: length, k: k, a: weight.pointer, lda: k,
                              b: columns.pointer, ldb: length, c: packed.pointer, ldc: length)
                Patches.fromChannelMajor(packed.pointer, samples: count, channels: cin, positions: positions,
                                         bias: nil, inputGradient.pointer + start * cin * positions)
            }
        }
    }
}
