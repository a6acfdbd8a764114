import Testing
import DCGANTensor

@Suite struct LayoutKernelTests {
    struct UpsampleCase: Sendable, CustomTestStringConvertible {
        let shape: [Int], factor: Int
        var testDescription: String { "\(shape) x\(factor)" }
    }

    static let upsampleCases = [[1, 1, 1, 1], [3, 5, 4, 7], [1, 3, 9, 2], [3, 1, 1, 5]].flatMap { shape in
        [1, 2, 3].map { UpsampleCase(shape: shape, factor: $0) }
    } + [UpsampleCase(shape: [8, 8, 16, 16], factor: 2)]  // big enough to be split over threads

    @Test(arguments: upsampleCases)
    func upsampleMatchesReference(_ c: UpsampleCase) {
        var rng = RandomGenerator(seed: 51)
        let f = c.factor
        let outShape = [c.shape[0], c.shape[1], c.shape[2] * f, c.shape[3] * f]
        let x = randomFloats(c.shape.reduce(1, *), rng: &rng), r = randomFloats(outShape.reduce(1, *), rng: &rng)
        let output = Tensor(repeating: .nan, shape: outShape)
        LayoutKernel.upsampleNearest(input: Tensor(shape: c.shape, values: x), factor: f, output: output)
        // Copies: exact.
        #expect(output.doubles == Reference.upsampleNearest(x.map(Double.init), c.shape, factor: f))

        // Backward: the sum of the f*f gradients each input was copied to; the map is linear, so
        // central differences with a 1e-3 step are exact up to rounding.
        let dx = Tensor(repeating: .nan, shape: c.shape)
        LayoutKernel.upsampleNearestBackward(outputGradient: Tensor(shape: outShape, values: r), factor: f, inputGradient: dx)
        let rd = r.map(Double.init)
        let coordinates = sampledCoordinates(40, of: x.count, rng: &rng)
        let fd = numericalGradient(at: x.map(Double.init), coordinates: coordinates, step: 1e-3) {
            dot(rd, Reference.upsampleNearest($0, c.shape, factor: f))
        }
        expectClose(pick(dx.doubles, coordinates), fd, "input gradient")
    }

    struct JoinCase: Sendable, CustomTestStringConvertible {
        let shape: [Int], classes: Int
        var testDescription: String { "\(shape) + \(classes) labels" }
    }

    /// N in {1, 3}, C in {1, 2, 5}, maps 1x1, 3x5, 5x1, 3x3 and rank 2 ([N, F]), K in {1, 3, 10};
    /// and one batch big enough to be split over threads.
    static let joinCases: [JoinCase] = [1, 3].flatMap { n in
        [1, 2, 5].flatMap { c in
            [[], [1, 1], [3, 5], [5, 1], [3, 3]].flatMap { spatial in
                [1, 3, 10].map { JoinCase(shape: [n, c] + spatial, classes: $0) }
            }
        }
    } + [JoinCase(shape: [16, 48, 8, 8], classes: 10)]

    /// The join against its index definition (copies: exact), and its backward against central
    /// differences of <r, join(x)> in x. The label rows are random numbers rather than one-hot
    /// ones so that every label channel is distinct and a misplaced one shows.
    @Test(arguments: joinCases)
    func joinLabelsMatchesReference(_ c: JoinCase) {
        var rng = RandomGenerator(seed: 53)
        let (n, k) = (c.shape[0], c.classes)
        var outShape = c.shape
        outShape[1] += k
        let x = randomFloats(c.shape.reduce(1, *), rng: &rng), rows = randomFloats(n * k, rng: &rng)
        let output = Tensor(repeating: .nan, shape: outShape)
        LayoutKernel.joinLabels(input: Tensor(shape: c.shape, values: x), oneHot: Tensor(shape: [n, k], values: rows),
                                output: output)
        let (xd, rowsd) = (x.map(Double.init), rows.map(Double.init))
        #expect(output.doubles == Reference.joinLabels(xd, c.shape, rows: rowsd, classes: k))

        // Backward: the input's channels of the output gradient. The map is linear in x, so a
        // step of 1e-3 is exact up to rounding.
        let r = randomFloats(output.count, rng: &rng), rd = r.map(Double.init)
        let dx = Tensor(repeating: .nan, shape: c.shape)
        LayoutKernel.joinLabelsBackward(outputGradient: Tensor(shape: outShape, values: r), inputGradient: dx)
        let coordinates = sampledCoordinates(40, of: x.count, rng: &rng)
        let fd = numericalGradient(at: xd, coordinates: coordinates, step: 1e-3) {
            dot(rd, Reference.joinLabels($0, c.shape, rows: rowsd, classes: k))
        }
        expectClose(pick(dx.doubles, coordinates), fd, "input gradient")
    }

    /// One case worked by hand: x = [[1, 2], [3, 4]] (N 2, F 2) with the label rows [1, 0, 0] and
    /// [0, 0, 1] gives [[1, 2, 1, 0, 0], [3, 4, 0, 0, 1]]; a 2x1 map broadcasts each label value.
    @Test func joinLabelsByHand() {
        let flat = Tensor(repeating: .nan, shape: [2, 5])
        LayoutKernel.joinLabels(input: Tensor(shape: [2, 2], values: [1, 2, 3, 4]),
                                oneHot: Tensor(shape: [2, 3], values: [1, 0, 0, 0, 0, 1]), output: flat)
        #expect(flat.array == [1, 2, 1, 0, 0, 3, 4, 0, 0, 1])
        let maps = Tensor(repeating: .nan, shape: [1, 3, 2, 1])
        LayoutKernel.joinLabels(input: Tensor(shape: [1, 1, 2, 1], values: [7, 8]),
                                oneHot: Tensor(shape: [1, 2], values: [0, 1]), output: maps)
        #expect(maps.array == [7, 8, 0, 0, 1, 1])
        let dx = Tensor(repeating: .nan, shape: [2, 2])
        LayoutKernel.joinLabelsBackward(outputGradient: Tensor(shape: [2, 5], values: (0..<10).map(Float.init)), inputGradient: dx)
        #expect(dx.array == [0, 1, 5, 6])
    }
}
