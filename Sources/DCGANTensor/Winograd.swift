import CDCGANKernels
import Foundation

/// Convolutions of the DCGAN geometry (kernel 4, stride 2, padding 1) by Winograd's F(2,2) on
/// each of the four phases (winograd.c): 36 matrix products over channels per 2 x 2 tile where
/// the column lowering makes 64, and no column matrix or fold.
///
/// Both directions go through it: ConvTranspose2d's forward and Conv2d's input gradient
/// (transposed), Conv2d's forward and ConvTranspose2d's input gradient (not transposed). Weight
/// gradients stay with the column lowering.
enum Winograd {
    /// Transformed points per tile, and so matrix products per chunk.
    static let points = 36

    /// True for kernel 4, stride 2, padding 1 (with any output padding).
    static func fits(_ g: ConvGeometry) -> Bool { g.kernel == 4 && g.stride == 2 && g.padding == 1 }

    /// The C kernels' description of `samples` images.
    static func shape(transposed: Bool, samples: Int, inChannels: Int, height: Int, width: Int,
                      outChannels: Int, outHeight: Int, outWidth: Int) -> ck_winograd_shape {
        // Tiles are 2 x 2 positions of the small side: ConvTranspose2d's input covers 4 output
        // rows per tile, Conv2d's output 2; a tile reads a patch of 4 (6) rows, 2 (4) apart.
        let (span, step, side) = transposed ? (4, 2, 4) : (2, 4, 6)
        let tilesY = (outHeight + span - 1) / span, tilesX = (outWidth + span - 1) / span
        return ck_winograd_shape(samples: Int32(samples), in_channels: Int32(inChannels), out_channels: Int32(outChannels),
                                 height: Int32(height), width: Int32(width), out_height: Int32(outHeight),
                                 out_width: Int32(outWidth), tiles_y: Int32(tilesY), tiles_x: Int32(tilesX),
                                 transposed: transposed ? 1 : 0, in_padded: Int32((inChannels + 7) / 8 * 8),
                                 out_padded: Int32((outChannels + 15) / 16 * 16),
                                 patch_height: Int32(tilesY * step + side - step), patch_width: Int32(tilesX * step + side - step),
                                 input_plane: 0, product_plane: 0)
    }

    /// Tiles per block, a multiple of 6 (the product kernel's rows). Each block streams the whole
    /// transformed weight through the core once, so while that weight fits the last-level cache
    /// (`weightBytes`), blocks are as small as keep their transformed input and products in the
    /// core's L2 (`cacheBytes`); a larger weight (G's 512-channel layer: 19 MiB) would come from
    /// memory for every block, so then each thread takes its share of the tiles in blocks of up
    /// to 192 (measured on Zen 3: 59-63 ms per G3 pass at batch 64 with the small blocks, 30-34 with blocks of 128).
    static func tilesPerBlock(_ g: ck_winograd_shape, tiles: Int, cacheBytes: Int, weightBytes: Int) -> Int {
        let (inPadded, outPadded) = (Int(g.in_padded), Int(g.out_padded))
        if points * inPadded * outPadded * MemoryLayout<Float>.size > weightBytes {
            let share = (tiles + Parallelism.threadCount - 1) / Parallelism.threadCount
            return min(192, (share + 5) / 6 * 6)
        }
        let bytesPerTile = points * (inPadded + outPadded) * MemoryLayout<Float>.size
        return min(96, max(6, cacheBytes / bytesPerTile / 6 * 6))
    }

    /// Writes the convolution of `input` [samples, inChannels, height, width] into `output`
    /// [samples, outChannels, outHeight, outWidth] (overwritten), plus `bias`. `weight` is in the
    /// layout of the direction (ConvTranspose2d: [in, out, 4, 4]; Conv2d: [out, in, 4, 4]).
    ///
    /// The input is copied into blocks of eight channels in chunks of samples that fit the
    /// policy's Winograd budget; each thread then takes blocks of tiles that fit its L2 cache
    /// through the input transform, the 36 products and the output transform. Returns the path.
    static func convolve(transposed: Bool, input: UnsafePointer<Float>, samples n: Int, inChannels: Int,
                         height: Int, width: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                         output: UnsafeMutablePointer<Float>, outChannels: Int, outHeight: Int, outWidth: Int,
                         workspace: ConvWorkspace) -> ConvolutionPath {
        func shape(_ samples: Int) -> ck_winograd_shape {
            Self.shape(transposed: transposed, samples: samples, inChannels: inChannels, height: height, width: width,
                       outChannels: outChannels, outHeight: outHeight, outWidth: outWidth)
        }
        let one = shape(1)
        let (inPadded, outPadded) = (Int(one.in_padded), Int(one.out_padded))
        let blockedPerSample = inPadded * Int(one.patch_height) * Int(one.patch_width)
        let chunk = samplesPerChunk(total: n, columnFloatsPerSample: blockedPerSample, budget: workspace.policy.winogradBudget)
        let tilesPerSample = Int(one.tiles_y) * Int(one.tiles_x)
        let blockTiles = tilesPerBlock(one, tiles: chunk * tilesPerSample, cacheBytes: workspace.policy.winogradBlockBytes,
                                       weightBytes: workspace.policy.winogradWeightBytes)
        let (inputPlane, productPlane) = (blockTiles * inPadded + 16, blockTiles * outPadded + 16)
        let vector = workspace.policy.winogradVectorKernel && ck_has_avx2_fma()
        return WinogradScratch.shared.withBuffers { scratch in
            let weightPlane = withUnsafePointer(to: one) { ck_winograd_weight_plane($0) }
            let u = scratch.weights.get(points * weightPlane)
            let blocked = scratch.blocked.get(chunk * blockedPerSample)
            let parts = Parallelism.threadCount
            while scratch.threads.count < parts { scratch.threads.append((GrowingBuffer(), GrowingBuffer())) }
            let perThread = (0..<parts).map { part in
                (scratch.threads[part].0.get(points * inputPlane), scratch.threads[part].1.get(points * productPlane))
            }
            let (weights, uPointer) = (UncheckedSendable(weight), UncheckedSendable(u))
            Parallelism.forEachChunk(outPadded / 16, costPerItem: 16 * inPadded * points) { range in
                withUnsafePointer(to: one) {
                    ck_winograd_weights($0, weights.value, uPointer.value, Int32(range.lowerBound), Int32(range.upperBound))
                }
            }
            let shared = UncheckedSendable((blocked, perThread, bias))
            let inputSize = inChannels * height * width, outputSize = outChannels * outHeight * outWidth
            for start in stride(from: 0, to: n, by: chunk) {
                let count = min(chunk, n - start)
                var part = shape(count)
                (part.input_plane, part.product_plane) = (inputPlane, productPlane)
                let tiles = count * tilesPerSample
                let source = UncheckedSendable(input + start * inputSize), target = UncheckedSendable(output + start * outputSize)
                Parallelism.forEachChunk(count * inPadded / 8, costPerItem: 8 * height * width) { items in
                    withUnsafePointer(to: part) {
                        ck_winograd_block_input($0, source.value, shared.value.0, items.lowerBound, items.upperBound)
                    }
                }
                Parallelism.forEachPart(chunkCount(tiles, blockTiles)) { thread, blocks in
                    let (v, m) = shared.value.1[thread]
                    withUnsafePointer(to: part) { g in
                        for block in blocks {
                            let first = block * blockTiles, end = min(tiles, first + blockTiles)
                            ck_winograd_input(g, shared.value.0, v, first, end)
                            ck_winograd_multiply(g, Int32((end - first + 5) / 6 * 6), v, inputPlane, uPointer.value, m,
                                                 productPlane, vector)
                            ck_winograd_output(g, m, shared.value.2, target.value, first, end)
                        }
                    }
                }
            }
            return .winograd(samples: chunk, chunks: chunkCount(n, chunk))
        }
    }
}

/// Scratch that every layer's Winograd passes share: the transformed weight, the blocked input
/// and each thread's transformed input and products. Layers run one at a time, so one set
/// serves the whole model; the lock makes concurrent callers (tests run in parallel) take turns.
final class WinogradScratch: @unchecked Sendable {
    static let shared = WinogradScratch()
    private let lock = NSLock()
    var weights = GrowingBuffer()
    var blocked = GrowingBuffer()
    var threads: [(GrowingBuffer, GrowingBuffer)] = []

    /// Runs `body` with the scratch to itself.
    func withBuffers<Result>(_ body: (WinogradScratch) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(self)
    }
}

/// Floats that only grow, reused whatever the size asked for: the layers of a model ask for
/// different sizes in turn, and a buffer per size would be allocated and zeroed on every call.
struct GrowingBuffer {
    private var storage: UnsafeMutablePointer<Float>?
    private var capacity = 0

    /// At least `count` floats; zeros when newly grown, else what the last user left.
    mutating func get(_ count: Int) -> UnsafeMutablePointer<Float> {
        if let storage, count <= capacity { return storage }
        storage?.deallocate()
        let fresh = UnsafeMutablePointer<Float>.allocate(capacity: count)
        fresh.initialize(repeating: 0, count: count)
        (storage, capacity) = (fresh, count)
        return fresh
    }
}
