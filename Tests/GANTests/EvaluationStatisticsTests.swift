import DCGANKit
import DCGANTensor
import Foundation
import Testing

/// KID, k-NN precision and recall and the class histogram against direct computations and
/// sets whose answers are known.
@Suite struct EvaluationStatisticsTests {
    private func gaussian(count: Int, dimension: Int, shift: Float = 0, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        let t = Tensor(zeros: [count * dimension])
        rng.fillNormal(t, std: 1)
        return t.array.map { $0 + shift }
    }

    /// The unbiased MMD² written out pair by pair in Double.
    private func directMMD(_ x: [Float], _ y: [Float], _ d: Int) -> Double {
        func k(_ a: [Float], _ i: Int, _ b: [Float], _ j: Int) -> Double {
            var dot = 0.0
            for c in 0..<d { dot += Double(a[i * d + c]) * Double(b[j * d + c]) }
            return pow(dot / Double(d) + 1, 3)
        }
        let m = x.count / d, n = y.count / d
        var xx = 0.0, yy = 0.0, xy = 0.0
        for i in 0..<m { for j in 0..<m where i != j { xx += k(x, i, x, j) } }
        for i in 0..<n { for j in 0..<n where i != j { yy += k(y, i, y, j) } }
        for i in 0..<m { for j in 0..<n { xy += k(x, i, y, j) } }
        return xx / Double(m * (m - 1)) + yy / Double(n * (n - 1)) - 2 * xy / Double(m * n)
    }

    @Test func unbiasedMMDMatchesPairByPairSumsOnOddShapes() {
        let x = gaussian(count: 7, dimension: 5, seed: 1), y = gaussian(count: 11, dimension: 5, shift: 0.7, seed: 2)
        let mmd = KernelDistance.unbiasedSquaredMMD(x, y, dimension: 5)
        #expect(abs(mmd - directMMD(x, y, 5)) < 1e-4 * max(1, abs(mmd)))
    }

    @Test func handComputedMMD() {
        // d = 1, k(a, b) = (ab + 1)^3. Within x = {0, 1}: k(0, 1) = 1; within y = {0, 2}: 1;
        // across: 1 + 1 + 1 + 27 = 30, mean 7.5. MMD² = 1 + 1 - 2 * 7.5 = -13.
        #expect(abs(KernelDistance.unbiasedSquaredMMD([0, 1], [0, 2], dimension: 1) - -13) < 1e-9)
    }

    @Test func kidIsAboutZeroForOneDistributionAndLargeForAnother() {
        let real = gaussian(count: 300, dimension: 8, seed: 3)
        let same = KernelDistance(real: real, generated: gaussian(count: 300, dimension: 8, seed: 4), dimension: 8,
                                  subsetSize: 100, subsets: 20, seed: 1)
        let shifted = KernelDistance(real: real, generated: gaussian(count: 300, dimension: 8, shift: 1, seed: 4), dimension: 8,
                                     subsetSize: 100, subsets: 20, seed: 1)
        #expect(same.subsetSize == 100 && same.subsets == 20)
        #expect(abs(same.mean) < 3 * same.standardDeviation + 1e-3, "\(same)")
        #expect(shifted.mean > 10 * max(abs(same.mean), same.standardDeviation), "\(shifted) vs \(same)")
        #expect(same.standardDeviation > 0)
    }

    @Test func kidOfWholeSetsIsTheMMDOfThoseSetsWithNoSpread() {
        let x = gaussian(count: 9, dimension: 3, seed: 5), y = gaussian(count: 6, dimension: 3, shift: 0.5, seed: 6)
        // Subsets larger than a set shrink to the smaller set's size; every subset of y is then all of y.
        let kid = KernelDistance(real: y, generated: y, dimension: 3, subsetSize: 50, subsets: 4, seed: 2)
        #expect(kid.subsetSize == 6)
        #expect(abs(kid.mean - directMMD(y, y, 3)) < 1e-4 && kid.standardDeviation < 1e-5)
        let whole = KernelDistance(real: x, generated: y, dimension: 3, subsetSize: 6, subsets: 1, seed: 2)
        #expect(whole.mean.isFinite && whole.standardDeviation == 0)
    }

    @Test func precisionAndRecallOfObviousPointSets() {
        let cluster = (0..<20).flatMap { i in [Float(i % 5), Float(i / 5)] }
        let far = cluster.map { $0 + 50 }
        let identical = PrecisionRecall(real: cluster, generated: cluster, dimension: 2)
        #expect(identical.precision == 1 && identical.recall == 1)
        let disjoint = PrecisionRecall(real: cluster, generated: far, dimension: 2)
        #expect(disjoint.precision == 0 && disjoint.recall == 0)
    }

    @Test func handComputedPrecisionAndRecallInOneDimension() {
        // Real 0...4 with k = 3: radii 3, 2, 2, 2, 3, so the real manifold is [-3, 7].
        // Generated -3.5, 2.5, 6.5, 7.5, 100: 2.5 and 6.5 lie inside, precision 2/5.
        // The generated radii (11, 6, 10, 11, 97.5) cover all of 0...4: recall 1.
        let real: [Float] = [0, 1, 2, 3, 4], generated: [Float] = [-3.5, 2.5, 6.5, 7.5, 100]
        let manifold = NeighbourhoodManifold(vectors: real, dimension: 1, k: 3)
        #expect(manifold.squaredRadii == [9, 4, 4, 4, 9])
        let scores = PrecisionRecall(real: real, generated: generated, dimension: 1)
        #expect(abs(scores.precision - 0.4) < 1e-12 && scores.recall == 1)
    }

    @Test func distanceRowsMatchDirectDistances() {
        let q = gaussian(count: 300, dimension: 5, seed: 7), r = gaussian(count: 13, dimension: 5, shift: 0.3, seed: 8)
        var rows = 0
        NearestImages.forEachDistanceRow(queries: q, references: r, dimension: 5) { i, squared in
            #expect(i == rows && squared.count == 13)
            for j in 0..<13 {
                let direct = (0..<5).reduce(Float(0)) { $0 + (q[i * 5 + $1] - r[j * 5 + $1]) * (q[i * 5 + $1] - r[j * 5 + $1]) }
                #expect(abs(squared[j] - direct) < 1e-4 * max(1, direct))
            }
            rows += 1
        }
        #expect(rows == 300)
    }

    @Test func histogramCountsAndEntropy() {
        let mixed = ClassHistogram(predictions: [0, 0, 1, 2], classes: 4)
        #expect(mixed.counts == [2, 1, 1, 0] && mixed.total == 4)
        #expect(abs(mixed.entropy - (0.5 * log(2.0) + 2 * 0.25 * log(4.0))) < 1e-12)
        #expect(abs(mixed.maximumEntropy - log(4.0)) < 1e-12)
        #expect(ClassHistogram(predictions: [3, 3, 3], classes: 4).entropy == 0)
        let even = ClassHistogram(predictions: Array(0..<10) + Array(0..<10), classes: 10)
        #expect(abs(even.entropy - even.maximumEntropy) < 1e-12)
    }
}
