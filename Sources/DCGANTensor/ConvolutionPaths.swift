/// Where the convolution kernels switch from one lowering to another. The defaults are the
/// measured values; tests set other ones on a `ConvWorkspace` to force each path on shapes small
/// enough for the Double references.
struct ConvolutionPathPolicy: Sendable, Equatable {
    /// Floats a batch-wide Conv2d column matrix may take: the whole batch when it fits (then
    /// backward reuses the forward's columns), else chunks of as many samples as fit.
    var columnBudget = 48 << 20
    /// Floats of the column matrices that are made only to be consumed at once (the transposed
    /// convolutions' and Conv2d's input gradient's): chunks that stay in the last-level cache
    /// between the product and the fold (measured: 9% faster generation). 8 MiB.
    var cacheBudget = 2 << 20
    /// Positions per sample from which the per-sample path is taken (see `PerSample`).
    var perSampleMinimumPositions = PerSample.minimumPositions
    /// Whether kernel-4, stride-2, padding-1 convolutions (their forward and both gradients)
    /// take the Winograd path: by default where it was measured to win, on processors with AVX2
    /// and FMA but no AVX-512 (Zen 3: 1.11-1.35x). With AVX-512 the column lowering's products
    /// run twice as wide as Winograd's AVX2 kernel, and no such machine was at hand to measure.
    var winograd = Winograd.isDefault
    /// One Winograd tile size for every pass (tests force each); nil picks by `winogradTile`.
    var winogradForcedTile: Int? = nil
    /// Bytes of F(4,2)'s transformed weight up to which a pass takes tiles of four (see `winogradTile`).
    var winogradLargeTileWeightBytes = 8 << 20
    /// Floats of Winograd's blocked input per chunk of samples.
    var winogradBudget = 2 << 20
    /// Bytes of one thread's transformed input and products per block of tiles (its L2 cache).
    var winogradBlockBytes = 384 << 10
    /// Bytes of transformed weight above which Winograd's blocks grow (see `Winograd.tilesPerBlock`).
    var winogradWeightBytes = 8 << 20
    /// Tiles of two per block of the Winograd weight gradient at most (the depth of its
    /// products; a quarter as many tiles of four).
    var winogradGradientBlockTiles = 192
    /// Whether the Winograd products take the AVX2 kernel where the processor has it (tests turn
    /// it off to check the plain one).
    var winogradVectorKernel = true

    /// Channels both sides need for the Winograd path: with fewer, the transformed input outgrows
    /// the column matrix and the products are too thin to run fast (G's 64-to-3-channel output
    /// layer took 23 ms on Winograd against 5 with the columns; counts between 3 and 16 were not
    /// measured).
    var winogradMinimumChannels = 16

    /// Positions of the small side per Winograd tile along each axis for a layer between these
    /// channel counts (all three passes): 4 (F(4,2), 100 products per tile where the direct
    /// convolution makes 256) or 2 (F(2,2), 36 where it makes 64). Tiles of four make 30% fewer
    /// products, but their transformed weight is 2.8 times as large and four times fewer tiles
    /// share it, so they win only while that weight stays in the cache (measured on Zen 3 at
    /// 64x64, batch 64: the 64-to-128-channel layers' forward 15-20% faster, the wider layers'
    /// 10-30% slower).
    func winogradTile(inChannels: Int, outChannels: Int) -> Int {
        if let winogradForcedTile { return winogradForcedTile }
        let padded = Winograd.paddedChannels(in: inChannels, out: outChannels)
        let weightBytes = 100 * padded.in * padded.out * MemoryLayout<Float>.size
        return weightBytes <= winogradLargeTileWeightBytes ? 4 : 2
    }

    /// A stride-1 Conv2d to at most this many output channels, from at least
    /// `narrowMinimumTaps` input channels times kernel taps, takes the narrow path
    /// (`NarrowConvolution`): no column matrix, whose product would be that few rows tall.
    var narrowMaximumOutputs = 4
    /// See `narrowMaximumOutputs`: below this many rows the column matrix is small.
    var narrowMinimumTaps = 256

    /// True when a Conv2d of geometry `g` from `inChannels` to `outChannels` takes the narrow path.
    func usesNarrow(_ g: ConvGeometry, inChannels: Int, outChannels: Int) -> Bool {
        g.stride == 1 && outChannels <= narrowMaximumOutputs && inChannels * g.kernel * g.kernel >= narrowMinimumTaps
    }

    /// True when the Winograd products run the AVX2 kernel: asked for, and the processor has it.
    var usesWinogradVectorKernel: Bool { winogradVectorKernel && Winograd.hasVectorKernel }

    /// True when a convolution of geometry `g` from `inChannels` to `outChannels` takes the Winograd path.
    func usesWinograd(_ g: ConvGeometry, inChannels: Int, outChannels: Int) -> Bool {
        winograd && Winograd.fits(g) && min(inChannels, outChannels) >= winogradMinimumChannels
    }

    /// True when maps of `positions` positions take the per-sample path.
    func usesPerSample(positions: Int) -> Bool { positions >= perSampleMinimumPositions }
}

/// Which lowering a convolution call took, recorded in its workspace so that tests can assert it.
enum ConvolutionPath: Equatable, Sendable {
    /// The kernel covers the whole input: one matrix product over flattened samples.
    case matrixProduct
    /// Whole samples per thread, one sample's columns at a time (`PerSample`).
    case perSample
    /// Matrix products over `chunks` chunks of `samples` samples (the last may hold fewer). Conv2d's
    /// backward makes the input gradient's columns `gradientSamples` samples at a time within a
    /// chunk (0 elsewhere) and says whether it reused the forward's unfolded input.
    case batched(samples: Int, chunks: Int, gradientSamples: Int = 0, reusedColumns: Bool = false)
    /// Conv2d of stride 1 to a few output channels, by shifted rows of padded planes (`NarrowConvolution`).
    case narrow
    /// Winograd's transforms and matrix products per chunk, over `chunks` chunks of `samples`
    /// samples, in tiles of `tile` x `tile` positions of the small side.
    case winograd(samples: Int, chunks: Int, tile: Int)
}

/// How many samples a convolution processes per matrix product: all `total` when their column
/// matrices fit `budget` floats, else as many as fit (at least one).
func samplesPerChunk(total: Int, columnFloatsPerSample: Int, budget: Int) -> Int {
    return max(1, min(total, budget / max(columnFloatsPerSample, 1)))
}

/// The number of chunks of `chunk` samples that `total` samples make.
func chunkCount(_ total: Int, _ chunk: Int) -> Int { (total + chunk - 1) / chunk }
