import Testing
import DCGANTensor

/// One point of the convolution test grid.
struct ConvCase: Sendable, CustomTestStringConvertible {
    var transposed: Bool
    var batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int
    var kernel: Int, stride: Int, padding: Int, outputPadding: Int
    var bias: Bool

    var geometry: ConvGeometry {
        ConvGeometry(kernel: kernel, stride: stride, padding: padding, outputPadding: outputPadding)
    }
    var inputShape: [Int] { [batch, inChannels, height, width] }
    /// Conv2d: [out, in, k, k]; ConvTranspose2d: [in, out, k, k] (PyTorch layouts).
    var weightShape: [Int] {
        transposed ? [inChannels, outChannels, kernel, kernel] : [outChannels, inChannels, kernel, kernel]
    }
    /// Spatial output size from the closed-form formulas (checked against PyTorch's in
    /// ConvGeometryTests); <= 0 when the convolution would be empty.
    var outputSize: (height: Int, width: Int) {
        let g = geometry
        return transposed ? (g.transposedOutput(height), g.transposedOutput(width))
                          : (g.convOutput(height), g.convOutput(width))
    }
    var outputShape: [Int] { [batch, outChannels, outputSize.height, outputSize.width] }
    var isEmpty: Bool { outputSize.height < 1 || outputSize.width < 1 }

    var testDescription: String {
        "\(transposed ? "convT" : "conv") n\(batch) c\(inChannels)->\(outChannels) \(height)x\(width) "
            + "k\(kernel) s\(stride) p\(padding)\(transposed ? " op\(outputPadding)" : "")\(bias ? " bias" : "")"
    }
}

/// A deterministic sample of the grid batch {1,3} x channels {1,3,5}^2 x sizes 1...9 (height and
/// width apart) x kernel {1,3,4,5} x stride {1,2,3} x padding {0,1,2} x output padding {0,1} (< stride)
/// x bias: the full product (~10^5 points) is too slow for the Double references in a debug build.
/// Each axis is drawn from its own stream of shuffled passes over its values, so every value of
/// every axis recurs evenly and the axes are mixed at random; combinations whose output would be
/// empty are skipped. `gridCoverage` checks that every value of every axis is still present.
enum ConvGrid {
    static let batches = [1, 3], channels = [1, 3, 5], sizes = Array(1...9), kernels = [1, 3, 4, 5]
    static let strides = [1, 2, 3], paddings = [0, 1, 2], outputPaddings = [0, 1], biases = [0, 1]

    private struct Stream {
        let values: [Int]
        var pending: [Int] = []
        init(_ values: [Int]) { self.values = values }
        mutating func next(_ rng: inout RandomGenerator) -> Int {
            if pending.isEmpty { pending = rng.permutation(values.count).map { values[$0] } }
            return pending.removeLast()
        }
    }

    static func sample(transposed: Bool, count: Int, seed: UInt64) -> [ConvCase] {
        var rng = RandomGenerator(seed: seed)
        var streams = [batches, channels, channels, sizes, sizes, kernels, strides, paddings, outputPaddings, biases]
            .map(Stream.init)
        var cases: [ConvCase] = []
        while cases.count < count {
            let v = streams.indices.map { streams[$0].next(&rng) }
            let stride = v[6]
            let c = ConvCase(transposed: transposed, batch: v[0], inChannels: v[1], outChannels: v[2], height: v[3],
                             width: v[4], kernel: v[5], stride: stride, padding: v[7],
                             outputPadding: transposed && v[8] < stride ? v[8] : 0, bias: v[9] == 1)
            if !c.isEmpty { cases.append(c) }
        }
        return cases
    }

    static let convolutions = sample(transposed: false, count: 200, seed: 2015)
    /// The DCGAN geometry (kernel 4, stride 2, padding 1), which the fold runs through a path of
    /// its own when the image is exactly twice the positions wide: square and oblong sizes from
    /// one position to 16, with odd sizes (the general path) beside them.
    static let dcganGeometry = [false, true].flatMap { transposed in
        [(1, 1), (1, 2), (2, 2), (3, 4), (4, 4), (5, 5), (6, 3), (8, 8), (16, 7)].enumerated().map { index, size in
            let (height, width) = transposed ? size : (2 * size.0, 2 * size.1 + (index % 3 == 2 ? 1 : 0))
            return ConvCase(transposed: transposed, batch: 3, inChannels: 3, outChannels: 5, height: height, width: width,
                            kernel: 4, stride: 2, padding: 1, outputPadding: 0, bias: index % 2 == 0)
        }
    }
    static let transposedConvolutions = sample(transposed: true, count: 200, seed: 1511)
    /// The finite-difference checks of the references are slower: a prefix of each sample.
    static let convolutionsForFD = Array(convolutions.prefix(60))
    static let transposedConvolutionsForFD = Array(transposedConvolutions.prefix(60))
}

/// Random data for one case: input, weight, optional bias, an output gradient, and a weight/bias
/// gradient the backward pass must add to (to prove it accumulates rather than overwrites).
struct ConvData {
    let x: [Float], w: [Float], b: [Float]?, dy: [Float], w0: [Float], b0: [Float]

    init(_ c: ConvCase, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        x = randomFloats(c.inputShape.reduce(1, *), rng: &rng)
        w = randomFloats(c.weightShape.reduce(1, *), rng: &rng)
        b = c.bias ? randomFloats(c.outChannels, rng: &rng) : nil
        dy = randomFloats(c.outputShape.reduce(1, *), rng: &rng)
        w0 = randomFloats(w.count, rng: &rng)
        b0 = randomFloats(c.outChannels, rng: &rng)
    }

    var xd: [Double] { x.map(Double.init) }
    var wd: [Double] { w.map(Double.init) }
    var bd: [Double]? { b?.map(Double.init) }
    var dyd: [Double] { dy.map(Double.init) }
}

/// The Double reference of a case (forward and backward), whichever its kind.
func referenceForward(_ c: ConvCase, _ x: [Double], _ w: [Double], _ b: [Double]?) -> [Double] {
    c.transposed ? Reference.convTranspose2d(x, c.inputShape, w, c.weightShape, bias: b, c.geometry).values
                 : Reference.conv2d(x, c.inputShape, w, c.weightShape, bias: b, c.geometry).values
}

func referenceBackward(_ c: ConvCase, _ x: [Double], _ w: [Double], _ dy: [Double]) -> (dx: [Double], dw: [Double], db: [Double]) {
    c.transposed ? Reference.convTranspose2dBackward(x, c.inputShape, w, c.weightShape, dy, c.geometry)
                 : Reference.conv2dBackward(x, c.inputShape, w, c.weightShape, dy, c.geometry)
}

/// Runs the fast kernel of a case.
func fastForward(_ c: ConvCase, _ d: ConvData, workspace: ConvWorkspace = ConvWorkspace()) -> Tensor {
    let x = Tensor(shape: c.inputShape, values: d.x), w = Tensor(shape: c.weightShape, values: d.w)
    let b = d.b.map { Tensor(shape: [c.outChannels], values: $0) }
    let y = Tensor(repeating: .nan, shape: c.outputShape)  // every element must be written
    if c.transposed {
        ConvTranspose2DKernel.forward(input: x, weight: w, bias: b, geometry: c.geometry, output: y, workspace: workspace)
    } else {
        Conv2DKernel.forward(input: x, weight: w, bias: b, geometry: c.geometry, output: y, workspace: workspace)
    }
    return y
}

/// Runs the fast backward of a case, asking for the chosen gradients. dx starts as NaN (it must be
/// overwritten); dw and db start at the case's w0/b0 (they must be accumulated into).
func fastBackward(_ c: ConvCase, _ d: ConvData, wantInput: Bool = true, wantWeight: Bool = true, wantBias: Bool = true,
                  workspace: ConvWorkspace = ConvWorkspace()) -> (dx: Tensor?, dw: Tensor?, db: Tensor?) {
    let x = Tensor(shape: c.inputShape, values: d.x), w = Tensor(shape: c.weightShape, values: d.w)
    let dy = Tensor(shape: c.outputShape, values: d.dy)
    let dx = wantInput ? Tensor(repeating: .nan, shape: c.inputShape) : nil
    let dw = wantWeight ? Tensor(shape: c.weightShape, values: d.w0) : nil
    let db = wantBias ? Tensor(shape: [c.outChannels], values: d.b0) : nil
    if c.transposed {
        ConvTranspose2DKernel.backward(input: x, weight: w, outputGradient: dy, geometry: c.geometry, inputGradient: dx,
                                       weightGradient: dw, biasGradient: db, workspace: workspace)
    } else {
        Conv2DKernel.backward(input: x, weight: w, outputGradient: dy, geometry: c.geometry, inputGradient: dx,
                              weightGradient: dw, biasGradient: db, workspace: workspace)
    }
    return (dx, dw, db)
}

@Suite struct ConvolutionTests {
    @Test func gridCoverage() {
        for (cases, transposed) in [(ConvGrid.convolutions, false), (ConvGrid.transposedConvolutions, true)] {
            #expect(Set(cases.map(\.batch)) == Set(ConvGrid.batches))
            #expect(Set(cases.map(\.inChannels)) == Set(ConvGrid.channels))
            #expect(Set(cases.map(\.outChannels)) == Set(ConvGrid.channels))
            #expect(Set(cases.map(\.height)) == Set(ConvGrid.sizes))
            #expect(Set(cases.map(\.width)) == Set(ConvGrid.sizes))
            #expect(Set(cases.map(\.kernel)) == Set(ConvGrid.kernels))
            #expect(Set(cases.map(\.stride)) == Set(ConvGrid.strides))
            #expect(Set(cases.map(\.padding)) == Set(ConvGrid.paddings))
            #expect(Set(cases.map(\.bias)) == [false, true])
            #expect(cases.contains { $0.height != $0.width } && cases.contains { $0.height == $0.width })
            #expect(cases.allSatisfy { !$0.isEmpty && $0.outputPadding < $0.stride })
            if transposed { #expect(Set(cases.map(\.outputPadding)) == [0, 1]) }
        }
        // The FD subsets also see both strides, every kernel and padding, and both bias settings.
        for cases in [ConvGrid.convolutionsForFD, ConvGrid.transposedConvolutionsForFD] {
            #expect(Set(cases.map(\.kernel)) == Set(ConvGrid.kernels))
            #expect(Set(cases.map(\.stride)) == Set(ConvGrid.strides))
            #expect(Set(cases.map(\.padding)) == Set(ConvGrid.paddings))
            #expect(Set(cases.map(\.bias)) == [false, true])
        }
    }

    @Test(arguments: ConvGrid.convolutions + ConvGrid.transposedConvolutions + ConvGrid.dcganGeometry)
    func forwardMatchesReference(_ c: ConvCase) {
        let d = ConvData(c, seed: 7)
        let expected = referenceForward(c, d.xd, d.wd, d.bd)
        #expect(expected.count == c.outputShape.reduce(1, *))
        let shape = c.transposed
            ? ConvTranspose2DKernel.outputShape(input: c.inputShape, weight: c.weightShape, geometry: c.geometry)
            : Conv2DKernel.outputShape(input: c.inputShape, weight: c.weightShape, geometry: c.geometry)
        #expect(shape == c.outputShape)
        expectClose(fastForward(c, d), expected, "forward")
    }

    @Test(arguments: ConvGrid.convolutions + ConvGrid.transposedConvolutions + ConvGrid.dcganGeometry)
    func backwardMatchesReference(_ c: ConvCase) throws {
        let d = ConvData(c, seed: 8)
        let ref = referenceBackward(c, d.xd, d.wd, d.dyd)
        let all = fastBackward(c, d)
        let dx = try #require(all.dx), dw = try #require(all.dw), db = try #require(all.db)
        expectClose(dx, ref.dx, "input gradient")
        // Parameter gradients are accumulated (+=) onto what was there, as in PyTorch.
        expectClose(dw, zip(d.w0, ref.dw).map { Double($0) + $1 }, "weight gradient")
        expectClose(db, zip(d.b0, ref.db).map { Double($0) + $1 }, "bias gradient")

        // Asking for only some gradients gives the same numbers and leaves the rest alone.
        let inputOnly = fastBackward(c, d, wantWeight: false, wantBias: false)
        expectIdentical(inputOnly.dx?.array, dx.array, "input gradient alone")
        let weightOnly = fastBackward(c, d, wantInput: false, wantBias: false)
        expectIdentical(weightOnly.dw?.array, dw.array, "weight gradient alone")
        let biasOnly = fastBackward(c, d, wantInput: false, wantWeight: false)
        expectIdentical(biasOnly.db?.array, db.array, "bias gradient alone")
    }

    /// The reference backward is itself proven: L = <r, y(x, w, b)> for a random r has gradient
    /// referenceBackward(dy: r), and central differences of L must agree. A convolution is linear
    /// in each of x, w and b, so the difference quotient has no truncation error at all and a
    /// step of 1e-3 leaves only rounding (~1e-16 |L| / 1e-3 ~ 1e-11): hence the 1e-8 tolerance.
    @Test(arguments: ConvGrid.convolutionsForFD + ConvGrid.transposedConvolutionsForFD)
    func referenceBackwardMatchesFiniteDifferences(_ c: ConvCase) {
        let d = ConvData(c, seed: 9)
        let (x, w, r) = (d.xd, d.wd, d.dyd)
        let b = d.bd ?? [Double](repeating: 0, count: c.outChannels)
        let ref = referenceBackward(c, x, w, r)
        var rng = RandomGenerator(seed: 10)
        let xi = sampledCoordinates(8, of: x.count, rng: &rng), wi = sampledCoordinates(8, of: w.count, rng: &rng)
        let fdx = numericalGradient(at: x, coordinates: xi, step: 1e-3) { dot(r, referenceForward(c, $0, w, b)) }
        let fdw = numericalGradient(at: w, coordinates: wi, step: 1e-3) { dot(r, referenceForward(c, x, $0, b)) }
        let fdb = numericalGradient(at: b, step: 1e-3) { dot(r, referenceForward(c, x, w, $0)) }
        expectClose(pick(ref.dx, xi), fdx, tolerance: 1e-8, "input gradient")
        expectClose(pick(ref.dw, wi), fdw, tolerance: 1e-8, "weight gradient")
        expectClose(ref.db, fdb, tolerance: 1e-8, "bias gradient")
    }
}
