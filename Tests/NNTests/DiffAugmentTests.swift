import DCGANLayers
import DCGANTensor
import Testing

/// `DiffAugment` against explicit loops for fixed draws on odd shapes, its backward as the
/// adjoint (and against finite differences), and its draws against DiffAugment's ranges.
@Suite struct DiffAugmentTests {
    static let shape = [2, 3, 9, 7]

    /// Draws that shift each way and cut boxes that cross the border and lie inside.
    static let draws = [
        DiffAugment.Draw(shiftRows: 1, shiftColumns: -2, cutoutTop: -2, cutoutLeft: 4, cutoutHeight: 5, cutoutWidth: 4),
        DiffAugment.Draw(shiftRows: -3, shiftColumns: 1, cutoutTop: 2, cutoutLeft: 1, cutoutHeight: 5, cutoutWidth: 4),
    ]

    /// The shift (y(h, w) = x(h + dr, w + dc), zero outside), then the box zeroed, as two
    /// separate loops over [N, C, H, W].
    static func reference(_ x: [Double], _ shape: [Int], _ draws: [DiffAugment.Draw]) -> [Double] {
        let (n, c, height, width) = (shape[0], shape[1], shape[2], shape[3])
        var shifted = [Double](repeating: 0, count: x.count)
        for i in 0..<n {
            for ch in 0..<c {
                for h in 0..<height {
                    for w in 0..<width {
                        let (sh, sw) = (h + draws[i].shiftRows, w + draws[i].shiftColumns)
                        if sh >= 0 && sh < height && sw >= 0 && sw < width {
                            shifted[((i * c + ch) * height + h) * width + w] = x[((i * c + ch) * height + sh) * width + sw]
                        }
                    }
                }
                for h in max(0, draws[i].cutoutTop)..<min(height, draws[i].cutoutTop + draws[i].cutoutHeight) {
                    for w in max(0, draws[i].cutoutLeft)..<min(width, draws[i].cutoutLeft + draws[i].cutoutWidth) {
                        shifted[((i * c + ch) * height + h) * width + w] = 0
                    }
                }
            }
        }
        return shifted
    }

    @Test func forwardMatchesExplicitLoops() {
        let layer = DiffAugment([.translation, .cutout], rng: RandomGenerator(seed: 1))
        let x = randomTensor(Self.shape, seed: 2)
        let y = layer.apply(x, draws: Self.draws)
        expectClose(y.array, Self.reference(x.doubles, Self.shape, Self.draws), tolerance: 0, "augmented images")
        #expect(y.array.contains(0) && y.array.filter { $0 != 0 }.count < x.count / 2 + x.count / 4, "the draws removed pixels")
    }

    /// <A x, r> = <x, A^T r> for the layer's own random draws, and A^T r against central
    /// differences of the Double reference (exact for a linear map, up to rounding).
    @Test func backwardIsTheAdjoint() {
        let layer = DiffAugment([.translation, .cutout], rng: RandomGenerator(seed: 3))
        for seed in UInt64(0)..<4 {
            let x = randomTensor(Self.shape, seed: 10 + seed), r = randomTensor(Self.shape, seed: 20 + seed)
            let ax = layer.forward(x).doubles
            let draws = layer.draws
            let atr = layer.backward(r, inputGradientNeeded: true)
            #expect(abs(dot(ax, r.doubles) - dot(x.doubles, atr.doubles)) < 1e-9, "<A x, r> = <x, A^T r>")
            let numeric = numericalGradient(at: x.doubles, coordinates: Array(0..<x.count), step: 0.5) { point in
                dot(r.doubles, Self.reference(point, Self.shape, draws))
            }
            expectClose(atr.array, numeric, tolerance: 1e-12, "input gradient")
        }
    }

    /// Each image draws its own parameters, inside DiffAugment's ranges, and all of them occur.
    @Test func drawsCoverDiffAugmentsRanges() {
        for (side, shift, box) in [(9, 1, 5), (7, 1, 4), (32, 4, 16), (28, 4, 14)] {
            let layer = DiffAugment([.translation, .cutout], rng: RandomGenerator(seed: 5))
            var shifts = Set<Int>(), tops = Set<Int>()
            for _ in 0..<40 {
                _ = layer.forward(Tensor(zeros: [8, 1, side, side]))
                #expect(Set(layer.draws.map(\.shiftRows)).count > 1, "images draw their own shifts")
                for draw in layer.draws {
                    shifts.formUnion([draw.shiftRows, draw.shiftColumns])
                    tops.insert(draw.cutoutTop + box / 2)
                    #expect(draw.cutoutHeight == box && draw.cutoutWidth == box)
                }
            }
            #expect(shifts == Set(-shift...shift), "side \(side): shifts \(shifts.sorted())")
            #expect(tops == Set(0..<(side + 1 - box % 2)), "side \(side): box centres \(tops.sorted())")
        }
    }

    @Test func operationsAloneAndTheStreamIsSeeded() {
        let x = randomTensor([4, 1, 8, 8], seed: 6)
        let translation = DiffAugment([.translation], rng: RandomGenerator(seed: 7))
        _ = translation.forward(x)
        #expect(translation.draws.allSatisfy { $0.cutoutHeight == 0 }, "no cutout unless asked")
        let cutout = DiffAugment([.cutout], rng: RandomGenerator(seed: 7))
        _ = cutout.forward(x)
        #expect(cutout.draws.allSatisfy { $0.shiftRows == 0 && $0.shiftColumns == 0 }, "no shift unless asked")
        let again = DiffAugment([.translation], rng: RandomGenerator(seed: 7))
        _ = again.forward(x)
        #expect(again.draws == translation.draws, "the same seed draws the same parameters")
    }

    /// In data-parallel training each process keeps its own images' draws of the whole batch's:
    /// three processes of 4 images together draw what one process of 12 draws, and their
    /// streams stay in step.
    @Test func processesTakeTheirShareOfTheWholeBatchsDraws() {
        let whole = DiffAugment([.translation, .cutout], rng: RandomGenerator(seed: 9))
        _ = whole.forward(Tensor(zeros: [12, 1, 16, 16]))
        let parts = (0..<3).map { process -> DiffAugment in
            let layer = DiffAugment([.translation, .cutout], rng: RandomGenerator(seed: 9))
            layer.share = (process, 3)
            _ = layer.forward(Tensor(zeros: [4, 1, 16, 16]))
            return layer
        }
        #expect(parts.flatMap(\.draws) == whole.draws)
        #expect(Set(parts.map { $0.draws.map(\.shiftRows) }).count > 1, "the processes' images draw differently")
        #expect(parts.allSatisfy { $0.rng.state == whole.rng.state }, "every stream moved as the whole batch's")
    }

    @Test func namesParse() throws {
        #expect(try DiffAugment.operations(named: "translation,cutout").get() == [.translation, .cutout])
        #expect(try DiffAugment.operations(named: "cutout,cutout").get() == [.cutout])
        for bad in ["", "translation,", "colour", "Translation"] {
            guard case .failure = DiffAugment.operations(named: bad) else {
                Issue.record("'\(bad)' was accepted")
                continue
            }
        }
    }
}
