@testable import DCGANTensor
import Testing

/// One forced path: a case, the policy that forces it, and the paths forward and backward must
/// report having taken.
struct PathCase: Sendable, CustomTestStringConvertible {
    var name: String
    var conv: ConvCase
    var policy = ConvolutionPathPolicy()
    var forward: ConvolutionPath
    /// The weight gradient's path (and the input gradient's, unless `inputGradient` says otherwise).
    var backward: ConvolutionPath?
    /// The input gradient's own path (Winograd's), if it takes one.
    var inputGradient: ConvolutionPath?

    var testDescription: String { "\(name): \(conv.testDescription)" }
}

/// The column floats one sample needs in the batched paths: Conv2d unfolds its input onto the
/// output's positions, ConvTranspose2d its output gradient onto the input's.
func columnFloatsPerSample(_ c: ConvCase) -> Int {
    let out = c.outputSize
    return c.transposed ? c.outChannels * c.kernel * c.kernel * c.height * c.width
                        : c.inChannels * c.kernel * c.kernel * out.height * out.width
}

/// Every lowering of both kernels, forced by the budgets and the per-sample threshold of
/// `ConvolutionPathPolicy` on odd shapes small enough for the Double references: 5 samples, so a
/// chunk of 2 leaves an uneven last chunk of 1 (and so do the input gradient's sub-chunks).
enum PathGrid {
    /// 9x7 -> 5x4 (20 positions, 540 column floats per sample).
    static let conv = ConvCase(transposed: false, batch: 5, inChannels: 3, outChannels: 4, height: 9, width: 7,
                               kernel: 3, stride: 2, padding: 1, outputPadding: 0, bias: true)
    /// 5x4 -> 11x9 (20 input positions, 640 column floats per sample).
    static let convT = ConvCase(transposed: true, batch: 5, inChannels: 3, outChannels: 2, height: 5, width: 4,
                                kernel: 4, stride: 2, padding: 1, outputPadding: 1, bias: true)

    /// A policy that sends stride-1 Conv2d to at most `outputs` channels down the narrow path, however few its taps.
    static func narrow(outputs: Int = 4) -> ConvolutionPathPolicy {
        var p = ConvolutionPathPolicy()
        (p.narrowMaximumOutputs, p.narrowMinimumTaps) = (outputs, 1)
        return p
    }

    /// 9x7 -> 9x7 (kernel 5, padding 2) and 9x11 -> 7x9 (kernel 3, no padding) to 3 channels:
    /// output rows shorter and longer than the weight gradient's eight-wide sums.
    static let narrowSame = ConvCase(transposed: false, batch: 3, inChannels: 5, outChannels: 3, height: 9, width: 7,
                                     kernel: 5, stride: 1, padding: 2, outputPadding: 0, bias: true)
    static let narrowValid = ConvCase(transposed: false, batch: 3, inChannels: 4, outChannels: 2, height: 9, width: 11,
                                      kernel: 3, stride: 1, padding: 0, outputPadding: 0, bias: true)

    static func policy(columns: Int? = nil, cache: Int? = nil, perSampleFrom: Int? = nil) -> ConvolutionPathPolicy {
        var p = ConvolutionPathPolicy()
        if let columns { p.columnBudget = columns }
        if let cache { p.cacheBudget = cache }
        if let perSampleFrom { p.perSampleMinimumPositions = perSampleFrom }
        return p
    }

    /// A policy that sends kernel-4, stride-2, padding-1 convolutions of any width to Winograd.
    static func winograd(tile: Int = 4, budget: Int? = nil, blockBytes: Int? = nil, weightBytes: Int? = nil,
                         vector: Bool = true) -> ConvolutionPathPolicy {
        var p = ConvolutionPathPolicy()
        p.winograd = true
        p.winogradForcedTile = tile
        p.winogradMinimumChannels = 1
        if let budget { p.winogradBudget = budget }
        if let blockBytes { p.winogradBlockBytes = blockBytes }
        if let weightBytes { p.winogradWeightBytes = weightBytes }
        p.winogradVectorKernel = vector
        return p
    }

    /// 9x7 -> 4x3 (2 x 2 tiles of two positions per sample, one partial tile of four), channels
    /// padded from 3 to 8 and from 5 to 16.
    static let down = ConvCase(transposed: false, batch: 5, inChannels: 3, outChannels: 5, height: 9, width: 7,
                               kernel: 4, stride: 2, padding: 1, outputPadding: 0, bias: true)
    /// 3x5 -> 6x10, no output padding.
    static let up = ConvCase(transposed: true, batch: 5, inChannels: 5, outChannels: 3, height: 3, width: 5,
                             kernel: 4, stride: 2, padding: 1, outputPadding: 0, bias: true)
    /// 18x25 -> 9x12 and 8x11 -> 16x22 with a whole block of eight channels and a partial one:
    /// wide enough that the transforms move rows of eight and of four positions through their
    /// transposes in both directions with either tile size (rows of four only from Conv2d's
    /// tiles of four, whose ConvTranspose2d ones write eight), besides the tiles that go alone.
    static let downWide = ConvCase(transposed: false, batch: 5, inChannels: 11, outChannels: 17, height: 18, width: 25,
                                   kernel: 4, stride: 2, padding: 1, outputPadding: 0, bias: true)
    static let upWide = ConvCase(transposed: true, batch: 5, inChannels: 17, outChannels: 11, height: 8, width: 11,
                                 kernel: 4, stride: 2, padding: 1, outputPadding: 0, bias: true)
    /// 10x11 -> 5x5 from three blocks of eight input channels (the last partial) to one panel of
    /// outputs: the weight gradient's threads split the input channels, each taking its rows of
    /// the four phase pairs that Conv2d's merged products keep side by side.
    static let downDeep = ConvCase(transposed: false, batch: 5, inChannels: 19, outChannels: 6, height: 10, width: 11,
                                   kernel: 4, stride: 2, padding: 1, outputPadding: 0, bias: false)

    /// Winograd's forward, input gradient and weight gradient on odd shapes, with each of its
    /// choices forced for both tile sizes: the plain product kernel, chunks of one sample, blocks of 6 tiles (the last
    /// one partial) and of 1 tile for the weight gradient, and the blocks a transformed weight too
    /// large for the cache asks for.
    static let winogradCases: [PathCase] = {
        var cases: [PathCase] = []
        for tile in [4, 2] {
            let whole = ConvolutionPath.winograd(samples: 5, chunks: 1, tile: tile)
            let single = ConvolutionPath.winograd(samples: 1, chunks: 5, tile: tile)
            for c in [down, convT, up, downWide, upWide, downDeep] {
                let name = "\(c.transposed ? "convT" : "conv") winograd F(\(tile),2)"
                var smallBlocks = winograd(tile: tile, blockBytes: 1)
                smallBlocks.winogradGradientBlockTiles = 1
                cases += [
                    PathCase(name: name, conv: c, policy: winograd(tile: tile), forward: whole, backward: whole,
                             inputGradient: whole),
                    PathCase(name: "\(name) plain kernel", conv: c, policy: winograd(tile: tile, vector: false),
                             forward: whole, backward: whole, inputGradient: whole),
                    PathCase(name: "\(name) one sample per chunk", conv: c, policy: winograd(tile: tile, budget: 1),
                             forward: single, backward: single, inputGradient: single),
                    PathCase(name: "\(name) small blocks", conv: c, policy: smallBlocks, forward: whole, backward: whole,
                             inputGradient: whole),
                    PathCase(name: "\(name) large weight", conv: c, policy: winograd(tile: tile, weightBytes: 0),
                             forward: whole, backward: whole, inputGradient: whole),
                ]
            }
        }
        return cases
    }()

    static let cases: [PathCase] = {
        let (c, t) = (columnFloatsPerSample(conv), columnFloatsPerSample(convT))
        return [
            // Defaults: the whole batch in one product; backward reuses the forward's columns.
            PathCase(name: "conv whole batch", conv: conv, forward: .batched(samples: 5, chunks: 1),
                     backward: .batched(samples: 5, chunks: 1, gradientSamples: 5, reusedColumns: true)),
            // Chunks of 2, 2, 1 (a budget just short of 3 samples), input gradient one sample at a time.
            PathCase(name: "conv chunked", conv: conv, policy: policy(columns: 3 * c - 1, cache: 1),
                     forward: .batched(samples: 2, chunks: 3),
                     backward: .batched(samples: 2, chunks: 3, gradientSamples: 1)),
            // Whole batch, but the input gradient's columns in cache sub-chunks of 2, 2, 1.
            PathCase(name: "conv cache sub-chunks", conv: conv, policy: policy(cache: 2 * c),
                     forward: .batched(samples: 5, chunks: 1),
                     backward: .batched(samples: 5, chunks: 1, gradientSamples: 2, reusedColumns: true)),
            // The threshold is inclusive: 20 positions take the per-sample path from 20 on...
            PathCase(name: "conv per sample", conv: conv, policy: policy(perSampleFrom: 20),
                     forward: .perSample, backward: .perSample),
            // ...and not from 21.
            PathCase(name: "conv below the per-sample threshold", conv: conv, policy: policy(perSampleFrom: 21),
                     forward: .batched(samples: 5, chunks: 1),
                     backward: .batched(samples: 5, chunks: 1, gradientSamples: 5, reusedColumns: true)),
            // Stride 1 to 3 and 2 channels: the narrow path, and not above its output count.
            PathCase(name: "conv narrow", conv: narrowSame, policy: narrow(), forward: .narrow, backward: .narrow),
            PathCase(name: "conv narrow, no padding", conv: narrowValid, policy: narrow(), forward: .narrow, backward: .narrow),
            PathCase(name: "conv above the narrow outputs", conv: narrowSame, policy: narrow(outputs: 2),
                     forward: .batched(samples: 3, chunks: 1),
                     backward: .batched(samples: 3, chunks: 1, gradientSamples: 3, reusedColumns: true)),
            // A kernel as large as the unpadded input: one plain product.
            PathCase(name: "conv matrix product",
                     conv: ConvCase(transposed: false, batch: 3, inChannels: 2, outChannels: 3, height: 5, width: 5,
                                    kernel: 5, stride: 1, padding: 0, outputPadding: 0, bias: true),
                     policy: policy(perSampleFrom: 1), forward: .matrixProduct, backward: .matrixProduct),

            // Kernel 4, stride 2, padding 1, but 3 and 2 channels: below Winograd's 16, so the columns.
            PathCase(name: "convT whole batch", conv: convT, forward: .batched(samples: 5, chunks: 1),
                     backward: .batched(samples: 5, chunks: 1)),
            // The path of the default 28x28 generator's 7x7 -> 14x14 layer (chunks of 41 at batch 128).
            PathCase(name: "convT chunked", conv: convT, policy: policy(cache: 3 * t - 1),
                     forward: .batched(samples: 2, chunks: 3), backward: .batched(samples: 2, chunks: 3)),
            PathCase(name: "convT one sample per chunk", conv: convT, policy: policy(cache: 1),
                     forward: .batched(samples: 1, chunks: 5), backward: .batched(samples: 1, chunks: 5)),
            PathCase(name: "convT per sample", conv: convT, policy: policy(perSampleFrom: 20),
                     forward: .perSample, backward: .perSample),
            PathCase(name: "convT below the per-sample threshold", conv: convT, policy: policy(perSampleFrom: 21),
                     forward: .batched(samples: 5, chunks: 1), backward: .batched(samples: 5, chunks: 1)),
            // A 1x1 input (the generator's first layer): one plain product.
            PathCase(name: "convT matrix product",
                     conv: ConvCase(transposed: true, batch: 3, inChannels: 4, outChannels: 2, height: 1, width: 1,
                                    kernel: 5, stride: 1, padding: 0, outputPadding: 0, bias: true),
                     policy: policy(perSampleFrom: 1), forward: .matrixProduct, backward: .matrixProduct),
        ]
    }()
}

@Suite struct ConvolutionPathTests {
    /// Each forced path against the Double reference, forward and backward, with the path it ran.
    /// Forward and backward share the input tensor and the workspace, as a layer's passes do, so
    /// a whole-batch Conv2d backward takes the forward's unfolded columns.
    @Test(arguments: PathGrid.cases + PathGrid.winogradCases)
    func forcedPathMatchesReference(_ p: PathCase) {
        let c = p.conv, d = ConvData(c, seed: 21)
        let kernel: any ConvolutionKernel.Type = c.transposed ? ConvTranspose2DKernel.self : Conv2DKernel.self
        let workspace = ConvWorkspace()
        workspace.policy = p.policy
        let x = Tensor(shape: c.inputShape, values: d.x), w = Tensor(shape: c.weightShape, values: d.w)
        let b = d.b.map { Tensor(shape: [c.outChannels], values: $0) }
        let y = Tensor(repeating: .nan, shape: c.outputShape)  // every element must be written
        kernel.forward(input: x, weight: w, bias: b, geometry: c.geometry, output: y, workspace: workspace)
        #expect(workspace.lastPath == p.forward, "forward path")
        expectClose(y, referenceForward(c, d.xd, d.wd, d.bd), "forward")

        let dy = Tensor(shape: c.outputShape, values: d.dy)
        let dx = Tensor(repeating: .nan, shape: c.inputShape)
        let dw = Tensor(shape: c.weightShape, values: d.w0), db = Tensor(shape: [c.outChannels], values: d.b0)
        kernel.backward(input: x, weight: w, outputGradient: dy, geometry: c.geometry, inputGradient: dx,
                        weightGradient: dw, biasGradient: db, workspace: workspace)
        #expect(workspace.lastPath == p.backward, "backward path")
        #expect(workspace.lastInputGradientPath == p.inputGradient, "input gradient path")
        let ref = referenceBackward(c, d.xd, d.wd, d.dyd)
        expectClose(dx, ref.dx, "input gradient")
        expectClose(dw, zip(d.w0, ref.dw).map { Double($0) + $1 }, "weight gradient (accumulated)")
        expectClose(db, zip(d.b0, ref.db).map { Double($0) + $1 }, "bias gradient (accumulated)")
    }

    /// The epilogue (an inference BatchNorm's affine map, then LeakyReLU with slope 0.2 or ReLU)
    /// on every forced path, Winograd's output transform and the pass after the others, against
    /// the Double reference's output (bias included) put through the same map.
    @Test(arguments: PathGrid.cases + PathGrid.winogradCases)
    func epilogueMatchesReference(_ p: PathCase) throws {
        let c = p.conv, d = ConvData(c, seed: 24)
        let kernel: any ConvolutionKernel.Type = c.transposed ? ConvTranspose2DKernel.self : Conv2DKernel.self
        let workspace = ConvWorkspace()
        workspace.policy = p.policy
        let scale = (0..<c.outChannels).map { 0.5 + 0.25 * Float($0 % 5) }, shift = (0..<c.outChannels).map { 0.3 * Float($0 % 3) - 0.3 }
        let slope: Float = c.outChannels % 2 == 0 ? 0 : 0.2
        let epilogue = try #require(ConvEpilogue(scale: scale, shift: shift, activation: slope == 0 ? .relu : .leakyReLU(slope: slope)))
        let x = Tensor(shape: c.inputShape, values: d.x), w = Tensor(shape: c.weightShape, values: d.w)
        let b = d.b.map { Tensor(shape: [c.outChannels], values: $0) }
        let y = Tensor(repeating: .nan, shape: c.outputShape)
        kernel.forward(input: x, weight: w, bias: b, geometry: c.geometry, output: y, workspace: workspace, epilogue: epilogue)
        #expect(workspace.lastPath == p.forward, "forward path")
        let positions = c.outputShape[2] * c.outputShape[3]
        let expected = referenceForward(c, d.xd, d.wd, d.bd).enumerated().map { i, v in
            let channel = i / positions % c.outChannels
            let affine = Double(scale[channel]) * v + Double(shift[channel])
            return affine > 0 ? affine : Double(slope) * affine
        }
        expectClose(y, expected, "forward through the epilogue")
    }

    /// A backward on a fresh workspace (no forward before it) unfolds the input itself.
    @Test func conv2dBackwardWithoutForwardUnfoldsAgain() {
        let c = PathGrid.conv
        let (dx, dw, db) = fastBackward(c, ConvData(c, seed: 22))
        let workspace = ConvWorkspace()
        let again = fastBackward(c, ConvData(c, seed: 22), workspace: workspace)
        #expect(workspace.lastPath == .batched(samples: 5, chunks: 1, gradientSamples: 5))
        expectIdentical(again.dx?.array, dx!.array, "input gradient")
        expectIdentical(again.dw?.array, dw!.array, "weight gradient")
        expectIdentical(again.db?.array, db!.array, "bias gradient")
    }

    /// Where Winograd is on by default (AVX2 without AVX-512), it takes kernel 4, stride 2,
    /// padding 1 from 16 channels on both sides (G's RGB output layer and D's RGB input layer keep
    /// the columns), and nothing else.
    @Test(arguments: [false, true])
    func winogradFromSixteenChannels(transposed: Bool) {
        for (inChannels, outChannels, kernel, taken) in [(16, 16, 4, true), (15, 16, 4, false), (16, 15, 4, false), (16, 16, 3, false)] {
            let c = ConvCase(transposed: transposed, batch: 2, inChannels: inChannels, outChannels: outChannels, height: 5,
                             width: 6, kernel: kernel, stride: 2, padding: 1, outputPadding: 0, bias: false)
            let workspace = ConvWorkspace()
            let d = ConvData(c, seed: 24)
            expectClose(fastForward(c, d, workspace: workspace), referenceForward(c, d.xd, d.wd, nil), "forward")
            let expected = taken && ConvolutionPathPolicy().winograd
            if case .winograd(_, _, let tile) = workspace.lastPath {
                #expect(expected, "\(c.testDescription)")
                #expect(tile == 4, "a 16-channel layer's transformed weight is small: tiles of four")
            } else {
                #expect(!expected, "\(c.testDescription)")
            }
        }
    }

    /// By default a stride-1 Conv2d to at most 4 channels with at least 256 input channels times
    /// kernel taps takes the narrow path (the Keras CIFAR-10 generator's 256 -> 3 channels 7x7
    /// output layer), and fewer taps, more channels or stride 2 do not.
    @Test func narrowPathByDefaultForWideKernelsToFewChannels() {
        let defaults = ConvolutionPathPolicy()
        #expect(defaults.usesNarrow(ConvGeometry(kernel: 7, padding: 3), inChannels: 256, outChannels: 3))
        #expect(defaults.usesNarrow(ConvGeometry(kernel: 4, padding: 1), inChannels: 16, outChannels: 4))  // 256 taps
        #expect(!defaults.usesNarrow(ConvGeometry(kernel: 4, padding: 1), inChannels: 15, outChannels: 4))
        #expect(!defaults.usesNarrow(ConvGeometry(kernel: 7, padding: 3), inChannels: 256, outChannels: 5))
        #expect(!defaults.usesNarrow(ConvGeometry(kernel: 4, stride: 2, padding: 1), inChannels: 256, outChannels: 3))
        let c = ConvCase(transposed: false, batch: 2, inChannels: 256, outChannels: 3, height: 6, width: 5, kernel: 7,
                         stride: 1, padding: 3, outputPadding: 0, bias: true)
        let workspace = ConvWorkspace(), d = ConvData(c, seed: 25)
        expectClose(fastForward(c, d, workspace: workspace), referenceForward(c, d.xd, d.wd, d.bd), "forward")
        #expect(workspace.lastPath == .narrow)
    }

    /// Tiles of four while their transformed weight (100 points of the padded channels) fits the
    /// policy's bound, tiles of two above it, whatever is forced when forced.
    @Test func winogradTileFollowsTheTransformedWeight() {
        let defaults = ConvolutionPathPolicy()
        #expect(defaults.winogradTile(inChannels: 64, outChannels: 128) == 4)  // 3.3 MB
        #expect(defaults.winogradTile(inChannels: 128, outChannels: 64) == 4)
        #expect(defaults.winogradTile(inChannels: 128, outChannels: 256) == 2)  // 13 MB
        #expect(defaults.winogradTile(inChannels: 512, outChannels: 256) == 2)
        var tight = defaults
        tight.winogradLargeTileWeightBytes = 100 * 16 * 16 * 4
        #expect(tight.winogradTile(inChannels: 16, outChannels: 16) == 4)
        #expect(tight.winogradTile(inChannels: 16, outChannels: 17) == 2)  // 17 pads to 32 output channels
        #expect(tight.winogradTile(inChannels: 17, outChannels: 16) == 2)  // 17 pads to 24 input channels
        tight.winogradForcedTile = 4
        #expect(tight.winogradTile(inChannels: 512, outChannels: 512) == 4)
    }

    /// The defaults are today's measured values, and the per-sample threshold falls between
    /// 195 and 196 positions for both kernels.
    @Test func defaultsAreTheMeasuredValues() {
        let defaults = ConvolutionPathPolicy()
        #expect(defaults.columnBudget == 48 << 20 && defaults.cacheBudget == 2 << 20)
        #expect(defaults.perSampleMinimumPositions == 196)
        for transposed in [false, true] {
            for (height, width, path) in [(14, 14, ConvolutionPath.perSample), (13, 15, .batched(samples: 2, chunks: 1))] {
                let c = ConvCase(transposed: transposed, batch: 2, inChannels: 2, outChannels: 3, height: height, width: width,
                                 kernel: 3, stride: 1, padding: 1, outputPadding: 0, bias: false)
                let workspace = ConvWorkspace()
                let d = ConvData(c, seed: 23)
                expectClose(fastForward(c, d, workspace: workspace), referenceForward(c, d.xd, d.wd, nil), "forward")
                #expect(workspace.lastPath == path, "\(c.testDescription)")
            }
        }
    }
}
