import CDCGANKernels
import Foundation

/// Convolutions of the DCGAN geometry (kernel 4, stride 2, padding 1) by Winograd's F(T,2) on
/// each of the four phases (winograd.c): 100 matrix products over channels per 4 x 4 tile where
/// the column lowering makes 256 (T = 4), or 36 per 2 x 2 tile where it makes 64 (T = 2), and no
/// column matrix or fold.
///
/// Both directions go through it: ConvTranspose2d's forward and Conv2d's input gradient
/// (transposed), Conv2d's forward and ConvTranspose2d's input gradient (not transposed), and
/// both kinds' weight gradients (`weightGradient`, the adjoint of the forward).
enum Winograd {
    /// Whether the processor runs the AVX2 product kernel (else the plain one runs).
    static let hasVectorKernel = ck_has_avx2_fma()

    /// Whether the path is on by default (`ConvolutionPathPolicy.winograd`).
    static let isDefault = hasVectorKernel && !ck_has_avx512()

    /// True for the geometry the transforms are written for (`ConvGeometry.isDCGANStep`).
    static func fits(_ g: ConvGeometry) -> Bool { g.isDCGANStep }

    /// Channel counts as the kernels pad them: input channels to blocks of eight (one AVX2
    /// vector), output channels to panels of 16 (the product kernel's columns).
    static func paddedChannels(in inChannels: Int, out outChannels: Int) -> (in: Int, out: Int) {
        ((inChannels + 7) / 8 * 8, (outChannels + 15) / 16 * 16)
    }

    /// The C kernels' description of `samples` images; `merged` (Conv2d's forward only) sums the
    /// four phase pairs in each product (`ck_winograd_shape`).
    static func shape(transposed: Bool, merged: Bool = false, tile: Int, samples: Int, inChannels: Int, height: Int,
                      width: Int, outChannels: Int, outHeight: Int, outWidth: Int) -> ck_winograd_shape {
        // Tiles are T x T positions of the small side: ConvTranspose2d's input covers 2T output
        // rows per tile, Conv2d's output T; a tile reads a patch of T + 2 (2T + 2) rows, T (2T) apart.
        let (span, step) = transposed ? (2 * tile, tile) : (tile, 2 * tile)
        let side = step + 2
        let tilesY = (outHeight + span - 1) / span, tilesX = (outWidth + span - 1) / span
        let padded = paddedChannels(in: inChannels, out: outChannels)
        return ck_winograd_shape(samples: Int32(samples), in_channels: Int32(inChannels), out_channels: Int32(outChannels),
                                 height: Int32(height), width: Int32(width), out_height: Int32(outHeight),
                                 out_width: Int32(outWidth), tiles_y: Int32(tilesY), tiles_x: Int32(tilesX),
                                 transposed: transposed ? 1 : 0, tile: Int32(tile), merged: merged ? 1 : 0,
                                 in_padded: Int32(padded.in),
                                 out_padded: Int32(padded.out),
                                 patch_height: Int32(tilesY * step + side - step), patch_width: Int32(tilesX * step + side - step),
                                 input_plane: 0, product_plane: 0)
    }

    /// Tiles per block, a multiple of 6 (the product kernel's rows). Each block streams the whole
    /// transformed weight through the core once, so while that weight fits the last-level cache
    /// (`weightBytes`), blocks are as small as keep their transformed input and products in the
    /// core's L2 (`cacheBytes`); a larger weight (G's 512-channel layer: 19 MiB) would come from
    /// memory for every block, so then each thread takes its share of the tiles in blocks of up
    /// to 192 (measured on Zen 3: 59-63 ms per pass of that layer at batch 64 with the small
    /// blocks, 30-34 with blocks of 128).
    static func tilesPerBlock(_ g: ck_winograd_shape, tiles: Int, cacheBytes: Int, weightBytes: Int) -> Int {
        let (depth, outPadded) = withUnsafePointer(to: g) { (Int(ck_winograd_depth($0)), Int($0.pointee.out_padded)) }
        let products = withUnsafePointer(to: g) { Int(ck_winograd_products($0)) }
        if products * depth * outPadded * MemoryLayout<Float>.size > weightBytes {
            let share = (tiles + Parallelism.threadCount - 1) / Parallelism.threadCount
            return min(192, (share + 5) / 6 * 6)
        }
        let bytesPerTile = products * (depth + outPadded) * MemoryLayout<Float>.size
        return min(96, max(6, cacheBytes / bytesPerTile / 6 * 6))
    }

    /// One layer's pass: the shape of a sample, the chunk of samples whose blocked input fits the
    /// policy's budget, and the tiles per block.
    struct Plan {
        let transposed: Bool
        let samples, inChannels, height, width, outChannels, outHeight, outWidth: Int
        let one: ck_winograd_shape
        let chunk, tilesPerSample, blockTiles, blockedPerSample: Int

        let merged: Bool

        init(transposed: Bool, merged: Bool = false, samples: Int, inChannels: Int, height: Int, width: Int, outChannels: Int,
             outHeight: Int, outWidth: Int, policy: ConvolutionPathPolicy, blockTiles: (ck_winograd_shape, Int) -> Int) {
            (self.transposed, self.samples, self.inChannels, self.height, self.width) = (transposed, samples, inChannels, height, width)
            self.merged = merged
            (self.outChannels, self.outHeight, self.outWidth) = (outChannels, outHeight, outWidth)
            let tile = policy.winogradTile(inChannels: inChannels, outChannels: outChannels)
            one = Winograd.shape(transposed: transposed, merged: merged, tile: tile, samples: 1, inChannels: inChannels,
                                 height: height, width: width, outChannels: outChannels, outHeight: outHeight, outWidth: outWidth)
            blockedPerSample = Int(one.in_padded) * Int(one.patch_height) * Int(one.patch_width)
            chunk = samplesPerChunk(total: samples, columnFloatsPerSample: blockedPerSample, budget: policy.winogradBudget)
            tilesPerSample = Int(one.tiles_y) * Int(one.tiles_x)
            self.blockTiles = blockTiles(one, chunk * tilesPerSample)
        }

        /// Transformed points per tile (36 or 100), whichever way the products group them.
        var points: Int { withUnsafePointer(to: one) { Int(ck_winograd_points($0)) } }
        /// Matrix products per tile, and so planes of the transformed input, weight and products.
        var products: Int { withUnsafePointer(to: one) { Int(ck_winograd_products($0)) } }
        var inPadded: Int { Int(one.in_padded) }
        var outPadded: Int { Int(one.out_padded) }
        /// The products' depth: the padded input channels, four times as many merged.
        var depth: Int { withUnsafePointer(to: one) { Int(ck_winograd_depth($0)) } }
        /// Floats from one product's transformed input (or products) to the next, per block.
        var inputPlane: Int { blockTiles * depth + 16 }
        var productPlane: Int { blockTiles * outPadded + 16 }
        var weightPlane: Int { withUnsafePointer(to: one) { ck_winograd_weight_plane($0) } }
        var path: ConvolutionPath { .winograd(samples: chunk, chunks: chunkCount(samples, chunk), tile: Int(one.tile)) }

        /// Blocks `input` chunk by chunk into `blocked` and runs `body(shape, thread, first, end,
        /// start)` on every block of tiles [first, end) of the chunk from sample `start`, each
        /// thread over its own share of the blocks.
        func forEachBlock(input: UnsafePointer<Float>, blocked: UnsafeMutablePointer<Float>,
                          _ body: (UnsafePointer<ck_winograd_shape>, Int, Int, Int, Int) -> Void) {
            withoutActuallyEscaping(body) { body in
                let work = UncheckedSendable(body)
                forEachChunk(input: input, blocked: blocked) { g, start, tiles in
                    Parallelism.forEachPart(chunkCount(tiles, blockTiles)) { thread, blocks in
                        for block in blocks {
                            work.value(g, thread, block * blockTiles, min(tiles, (block + 1) * blockTiles), start)
                        }
                    }
                }
            }
        }

        /// Blocks `input` chunk by chunk into `blocked` and runs `body(shape, start, tiles)` on
        /// each chunk, from sample `start`, of `tiles` tiles.
        func forEachChunk(input: UnsafePointer<Float>, blocked: UnsafeMutablePointer<Float>,
                          _ body: (UnsafePointer<ck_winograd_shape>, Int, Int) -> Void) {
            let inputSize = inChannels * height * width
            let shared = UncheckedSendable((input, blocked))
            for start in stride(from: 0, to: samples, by: chunk) {
                let count = min(chunk, samples - start)
                var part = Winograd.shape(transposed: transposed, merged: merged, tile: Int(one.tile), samples: count,
                                          inChannels: inChannels, height: height, width: width, outChannels: outChannels,
                                          outHeight: outHeight, outWidth: outWidth)
                (part.input_plane, part.product_plane) = (inputPlane, productPlane)
                Parallelism.forEachChunk(count * inPadded / 8, costPerItem: 8 * height * width) { items in
                    withUnsafePointer(to: part) {
                        ck_winograd_block_input($0, shared.value.0 + start * inputSize, shared.value.1, items.lowerBound,
                                                items.upperBound)
                    }
                }
                withUnsafePointer(to: part) { body($0, start, count * tilesPerSample) }
            }
        }
    }

    /// `convolve` of tensors, the sizes read from `input` [samples, inChannels, height, width]
    /// and `output`, with `bias` and `epilogue` folded into the output transform
    /// (`ConvEpilogue.describe`).
    static func convolve(transposed: Bool, input: Tensor, weight: Tensor, bias: Tensor? = nil, epilogue: ConvEpilogue? = nil,
                         output: Tensor, workspace: ConvWorkspace) -> ConvolutionPath {
        ConvEpilogue.describe(epilogue, bias: bias) {
            convolve(transposed: transposed, input: input.pointer, samples: input.shape[0], inChannels: input.shape[1],
                     height: input.shape[2], width: input.shape[3], weight: weight.pointer, epilogue: $0,
                     output: output.pointer, outChannels: output.shape[1], outHeight: output.shape[2],
                     outWidth: output.shape[3], workspace: workspace)
        }
    }

    /// Writes the convolution of `input` [samples, inChannels, height, width] into `output`
    /// [samples, outChannels, outHeight, outWidth] (overwritten), through `epilogue` (a bias, or
    /// BatchNorm and an activation folded in: `ConvEpilogue`). `weight` is in the
    /// layout of the direction (ConvTranspose2d: [in, out, 4, 4]; Conv2d: [out, in, 4, 4]).
    ///
    /// The input is copied into blocks of eight channels in chunks of samples that fit the
    /// policy's Winograd budget; each thread then takes blocks of tiles that fit its L2 cache
    /// through the input transform, the products and the output transform. Returns the path.
    private static func convolve(transposed: Bool, input: UnsafePointer<Float>, samples n: Int, inChannels: Int,
                         height: Int, width: Int, weight: UnsafePointer<Float>, epilogue: UnsafePointer<ck_epilogue>,
                         output: UnsafeMutablePointer<Float>, outChannels: Int, outHeight: Int, outWidth: Int,
                         workspace: ConvWorkspace) -> ConvolutionPath {
        let policy = workspace.policy
        // Conv2d's phase pairs add into the same outputs: one product for the four (`ck_winograd_shape`).
        let plan = Plan(transposed: transposed, merged: !transposed, samples: n, inChannels: inChannels, height: height,
                        width: width, outChannels: outChannels, outHeight: outHeight, outWidth: outWidth, policy: policy) {
            tilesPerBlock($0, tiles: $1, cacheBytes: policy.winogradBlockBytes, weightBytes: policy.winogradWeightBytes)
        }
        let vector = policy.usesWinogradVectorKernel
        WinogradScratch.shared.withBuffers { scratch in
            let u = scratch.weights.get(plan.products * plan.weightPlane)
            let blocked = scratch.blocked.get(plan.chunk * plan.blockedPerSample)
            let threads = scratch.threadBuffers(inputFloats: plan.products * plan.inputPlane, productFloats: plan.products * plan.productPlane)
            let shared = UncheckedSendable((weight, u, threads, epilogue, output, blocked))
            Parallelism.forEachChunk(plan.outPadded / 16, costPerItem: 16 * plan.depth * plan.products) { range in
                withUnsafePointer(to: plan.one) {
                    ck_winograd_weights($0, shared.value.0, shared.value.1, Int32(range.lowerBound), Int32(range.upperBound))
                }
            }
            let outputSize = outChannels * outHeight * outWidth
            plan.forEachBlock(input: input, blocked: blocked) { g, thread, first, end, start in
                let (_, u, threads, epilogue, output, blocked) = shared.value
                let (v, m) = threads[thread]
                ck_winograd_input(g, blocked, v, first, end, 0, Int32(plan.inPadded / 8))
                ck_winograd_multiply(g, Int32((end - first + 5) / 6 * 6), v, plan.inputPlane, u, m, plan.productPlane, vector)
                ck_winograd_output(g, m, epilogue, output + start * outputSize, first, end)
            }
        }
        return plan.path
    }

    /// Adds to `weightGradient` (the direction's layout) the gradient of the convolution of
    /// `input` with respect to its weight, from `outputGradient` [samples, outChannels, outHeight,
    /// outWidth]: per block of tiles, the transformed input times the products' gradients (the
    /// output transform's adjoint) into the gradient of the transformed weight, then the weight
    /// transform's adjoint. Blocks are up to 192 tiles, the depth of these products, and at most
    /// a thread count's share of them.
    ///
    /// The threads split the larger side's channels and go through every block, each making its
    /// own part of the transformed weight's gradient, so that no thread needs a whole copy of it
    /// (75 MiB at 1024 channels) and no copies are summed. The smaller side's transform (the
    /// input's for Conv2d's wider outputs, the output gradient's for ConvTranspose2d's), which
    /// every thread reads whole, is made once per block, the threads sharing it, before the
    /// products.
    static func weightGradient(transposed: Bool, input: UnsafePointer<Float>, samples n: Int, inChannels: Int,
                               height: Int, width: Int, outputGradient: UnsafePointer<Float>, outChannels: Int,
                               outHeight: Int, outWidth: Int, weightGradient: UnsafeMutablePointer<Float>,
                               workspace: ConvWorkspace) -> ConvolutionPath {
        let policy = workspace.policy
        // Conv2d's four phase pairs share each point's product gradient, as in the forward.
        let plan = Plan(transposed: transposed, merged: !transposed, samples: n, inChannels: inChannels, height: height, width: width,
                        outChannels: outChannels, outHeight: outHeight, outWidth: outWidth, policy: policy) { g, tiles in
            // Each thread goes through every tile; blocks of a thread count's share of them keep
            // the threads' transformed inputs and products as small as with blocks split among them.
            // Tiles of four cover four times the area of the policy's tiles of two (measured: the
            // 64-to-128-channel layers' backward as fast as with tiles of two in blocks of 48, 10-15%
            // slower in blocks of 192).
            let share = (tiles + Parallelism.threadCount - 1) / Parallelism.threadCount
            let cap = max(1, policy.winogradGradientBlockTiles * 4 / Int(g.tile * g.tile))
            return min(cap, max(1, share))
        }
        let vector = policy.usesWinogradVectorKernel
        // Parts of the split side: blocks of eight input channels or panels of 16 output channels.
        let splitsInput = plan.inPadded >= plan.outPadded
        let parts = splitsInput ? plan.inPadded / 8 : plan.outPadded / 16
        WinogradScratch.shared.withBuffers { scratch in
            let blocked = scratch.blocked.get(plan.chunk * plan.blockedPerSample)
            let threads = scratch.threadBuffers(inputFloats: plan.products * plan.inputPlane, productFloats: plan.products * plan.productPlane)
            let gradient = scratch.weights.get(plan.products * plan.weightPlane)
            let shared = UncheckedSendable((threads, gradient, blocked, outputGradient, weightGradient))
            let outputSize = outChannels * outHeight * outWidth
            // The smaller side's transform is made once, each thread its share, into thread 0's
            // buffer, which every thread then reads.
            let sharedSide = splitsInput ? threads[0].1 : threads[0].0
            let sharedParts = splitsInput ? plan.outPadded / 8 : plan.inPadded / 8
            plan.forEachChunk(input: input, blocked: blocked) { g, start, tiles in
                let work = UncheckedSendable(g)
                for first in stride(from: 0, to: tiles, by: plan.blockTiles) {
                    let end = min(tiles, first + plan.blockTiles)
                    let (threads, gradient, blocked, outputGradient, _) = shared.value
                    // Blocks of eight channels of the transformed input or of the products' gradients.
                    func transformInput(into v: UnsafeMutablePointer<Float>, blocks: Range<Int>) {
                        ck_winograd_input(work.value, blocked, v, first, end, Int32(blocks.lowerBound), Int32(blocks.upperBound))
                    }
                    func transformOutputGradient(into dm: UnsafeMutablePointer<Float>, blocks: Range<Int>) {
                        ck_winograd_output_gradient(work.value, outputGradient + start * outputSize, dm, plan.productPlane, first, end,
                                                    Int32(blocks.lowerBound), Int32(blocks.upperBound))
                    }
                    Parallelism.forEachPart(sharedParts) { _, blocks in
                        if splitsInput {
                            transformOutputGradient(into: sharedSide, blocks: blocks)
                        } else {
                            transformInput(into: sharedSide, blocks: blocks)
                        }
                    }
                    Parallelism.forEachPart(parts) { thread, range in
                        let inBlocks = splitsInput ? range : 0..<plan.inPadded / 8
                        let panels = splitsInput ? 0..<plan.outPadded / 16 : range
                        let v = splitsInput ? threads[thread].0 : sharedSide, dm = splitsInput ? sharedSide : threads[thread].1
                        if splitsInput {
                            transformInput(into: v, blocks: inBlocks)
                        } else {
                            transformOutputGradient(into: dm, blocks: panels.lowerBound * 2..<panels.upperBound * 2)
                        }
                        // The first block of the first chunk writes the sum, the later ones add to it.
                        ck_winograd_multiply_gradient(work.value, Int32(end - first), v, plan.inputPlane, dm, plan.productPlane,
                                                      gradient, Int32(inBlocks.lowerBound * 8), Int32(inBlocks.upperBound * 8),
                                                      Int32(panels.lowerBound), Int32(panels.upperBound),
                                                      start > 0 || first > 0, vector)
                    }
                }
            }
            Parallelism.forEachChunk(inChannels, costPerItem: plan.points * outChannels) { range in
                withUnsafePointer(to: plan.one) {
                    ck_winograd_weight_gradient($0, shared.value.1, shared.value.4, Int32(range.lowerBound), Int32(range.upperBound))
                }
            }
        }
        return plan.path
    }
}

/// The memory the Winograd path takes, for estimates made before anything is allocated.
public enum WinogradFootprint {
    /// True when a kernel-4, stride-2, padding-1 convolution between these channel counts takes
    /// the Winograd path by default (and so keeps no column matrix).
    public static func applies(inChannels: Int, outChannels: Int) -> Bool {
        let policy = ConvolutionPathPolicy()
        return policy.winograd && min(inChannels, outChannels) >= policy.winogradMinimumChannels
    }

    /// Floats of the scratch that all Winograd layers share, as much as the layer between these
    /// channel counts can ask for (either direction): the transformed weight (or its gradient),
    /// the blocked input's budget, and every thread's transformed input and products at the
    /// largest block.
    public static func scratchFloats(inChannels: Int, outChannels: Int) -> Double {
        let policy = ConvolutionPathPolicy(), threads = Double(Parallelism.threadCount)
        return [(inChannels, outChannels), (outChannels, inChannels)].map { from, to in
            let tile = policy.winogradTile(inChannels: from, outChannels: to)
            let points = Double(4 * (tile + 1) * (tile + 1))
            // The largest block: the large-weight blocks or the weight gradient's, a quarter as many tiles of four.
            let blockTiles = Double(max(192, policy.winogradGradientBlockTiles) * 4 / (tile * tile))
            let padded = Winograd.paddedChannels(in: from, out: to)
            let (inPadded, outPadded) = (Double(padded.in), Double(padded.out))
            let weight = points * (inPadded * outPadded + 16)
            return weight + Double(policy.winogradBudget)
                + threads * points * blockTiles * (inPadded + outPadded)
        }.max()!
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

    /// Each thread's transformed input (`inputFloats`) and products (`productFloats`).
    func threadBuffers(inputFloats: Int, productFloats: Int) -> [(UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)] {
        while threads.count < Parallelism.threadCount { threads.append((GrowingBuffer(), GrowingBuffer())) }
        return (0..<Parallelism.threadCount).map { (threads[$0].0.get(inputFloats), threads[$0].1.get(productFloats)) }
    }
}

/// Floats that only grow, reused whatever the size asked for: the layers of a model ask for
/// different sizes in turn, and a buffer per size would be allocated and zeroed on every call.
struct GrowingBuffer {
    private var storage: UnsafeMutablePointer<Float>?
    private var capacity = 0

    /// At least `count` floats on a cache-line boundary (the weight transform's stores past the
    /// caches need whole aligned vectors); zeros when newly grown, else what the last user left.
    mutating func get(_ count: Int) -> UnsafeMutablePointer<Float> {
        if let storage, count <= capacity { return storage }
        storage?.deallocate()
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
        fresh.initialize(repeating: 0, count: count)
        (storage, capacity) = (fresh, count)
        return fresh
    }
}
