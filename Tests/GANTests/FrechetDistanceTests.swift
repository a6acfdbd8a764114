import DCGANKit
import DCGANTensor
import Testing

@Suite struct FrechetDistanceTests {
    /// A random symmetric positive semi-definite matrix B B^T.
    private func randomCovariance(_ d: Int, rng: inout RandomGenerator) -> [Double] {
        let b = (0..<(d * d)).map { _ in Double(rng.normal()) }
        var c = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<d { for k in 0..<d { c[i * d + j] += b[i * d + k] * b[j * d + k] } } }
        return c
    }

    @Test(arguments: [1, 2, 5, 9])
    func eigendecompositionReconstructsTheMatrix(d: Int) {
        var rng = RandomGenerator(seed: UInt64(d))
        let a = randomCovariance(d, rng: &rng)
        let eigen = SymmetricEigen(a, dimension: d)
        let rebuilt = eigen.applying { $0 }
        let scale = a.map(abs).max()!
        for (x, y) in zip(rebuilt, a) { #expect(abs(x - y) <= 1e-10 * scale) }
        // Eigenvectors are orthonormal.
        for i in 0..<d { for j in 0..<d {
            let dot = (0..<d).reduce(0.0) { $0 + eigen.vectors[$1 * d + i] * eigen.vectors[$1 * d + j] }
            #expect(abs(dot - (i == j ? 1 : 0)) < 1e-10)
        } }
        // The square root squares back.
        let root = eigen.applying { $0.squareRoot() }
        for i in 0..<d { for j in 0..<d {
            let square = (0..<d).reduce(0.0) { $0 + root[i * d + $1] * root[$1 * d + j] }
            #expect(abs(square - a[i * d + j]) <= 1e-9 * scale)
        } }
    }

    @Test func oneDimensionalGaussiansHaveTheClosedForm() {
        // FD of N(m1, s1^2) and N(m2, s2^2) is (m1 - m2)^2 + (s1 - s2)^2.
        let a = GaussianStatistics(mean: [1.5], covariance: [4])
        let b = GaussianStatistics(mean: [-0.5], covariance: [9])
        #expect(abs(a.frechetDistance(to: b) - (4 + 1)) < 1e-12)
    }

    @Test func diagonalCovariancesSumPerAxis() {
        let a = GaussianStatistics(mean: [0, 1, 2], covariance: [1, 0, 0, 0, 4, 0, 0, 0, 16])
        let b = GaussianStatistics(mean: [1, 1, 0], covariance: [9, 0, 0, 0, 4, 0, 0, 0, 1])
        // Means: 1 + 0 + 4; deviations: (1-3)^2 + 0 + (4-1)^2.
        #expect(abs(a.frechetDistance(to: b) - (5 + 4 + 9)) < 1e-10)
    }

    @Test func distanceIsZeroToItselfAndSymmetric() {
        var rng = RandomGenerator(seed: 11)
        let features = (0..<(200 * 6)).map { _ in rng.normal() }
        let others = (0..<(150 * 6)).map { _ in rng.normal(mean: 0.5, std: 2) }
        let a = GaussianStatistics(features: features, count: 200, dimension: 6)
        let b = GaussianStatistics(features: others, count: 150, dimension: 6)
        #expect(abs(a.frechetDistance(to: a)) < 1e-9)
        #expect(abs(a.frechetDistance(to: b) - b.frechetDistance(to: a)) < 1e-8)
        #expect(a.frechetDistance(to: b) > 1)
    }

    @Test func statisticsMatchTheTextbookEstimates() {
        // Rows (1, 2), (3, 6), (5, 7): mean (3, 5), covariance with n - 1.
        let s = GaussianStatistics(features: [1, 2, 3, 6, 5, 7], count: 3, dimension: 2)
        #expect(s.mean == [3, 5])
        #expect(s.covariance == [4, 5, 5, 7])
    }
}
