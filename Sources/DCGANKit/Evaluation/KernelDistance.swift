import DCGANTensor
import Foundation

/// The kernel distance between two sets of feature vectors: KID (Bińkowski et al. 2018,
/// "Demystifying MMD GANs"), the squared maximum mean discrepancy under the cubic polynomial
/// kernel k(x, y) = (x.y / d + 1)^3, estimated without bias and averaged over random subsets.
///
/// Unlike the Fréchet distance it assumes no Gaussian shape and its estimate is unbiased, so
/// small sample counts do not inflate it: two samples of one distribution score about 0 (and
/// can score slightly below it). The spread over subsets says how much of a difference
/// between two models is noise.
public struct KernelDistance: Sendable, Equatable {
    /// Mean of the unbiased MMD² over the subsets.
    public let mean: Double
    /// Standard deviation of the per-subset estimates (population form, as torch-fidelity reports it).
    public let standardDeviation: Double
    /// Vectors drawn from each set per subset (the smaller set's size when it has fewer; subsets
    /// as large as both sets are those sets, and then their spread is 0).
    public let subsetSize: Int
    /// Number of subsets averaged.
    public let subsets: Int

    /// torch-fidelity's defaults: 100 subsets of 1,000 vectors.
    public static let defaultSubsetSize = 1000
    /// See `defaultSubsetSize`.
    public static let defaultSubsets = 100

    /// Averages the unbiased MMD² over `subsets` pairs of random subsets (drawn without
    /// replacement within each subset, seeded) of `real` and `generated`, row-major vectors of
    /// `dimension` values. Each set needs at least two vectors.
    public init(real: [Float], generated: [Float], dimension d: Int, subsetSize: Int = defaultSubsetSize,
                subsets: Int = defaultSubsets, seed: UInt64 = 0) {
        let realCount = real.count / d, generatedCount = generated.count / d
        let size = min(subsetSize, realCount, generatedCount)
        precondition(size >= 2 && subsets >= 1, "KID needs two vectors per set and at least one subset")
        var rng = RandomGenerator(seed: seed)
        var estimates = [Double]()
        for _ in 0..<subsets {
            let x = Self.rows(real, dimension: d, picking: rng.permutation(realCount).prefix(size))
            let y = Self.rows(generated, dimension: d, picking: rng.permutation(generatedCount).prefix(size))
            estimates.append(Self.unbiasedSquaredMMD(x, y, dimension: d))
        }
        let average = estimates.reduce(0, +) / Double(subsets)
        mean = average
        standardDeviation = (estimates.reduce(0) { $0 + ($1 - average) * ($1 - average) } / Double(subsets)).squareRoot()
        self.subsetSize = size
        self.subsets = subsets
    }

    /// The cubic polynomial kernel of KID applied to a dot product of `dimension`-vectors.
    @inline(__always) public static func kernel(dot: Double, dimension: Int) -> Double {
        let base = dot / Double(dimension) + 1
        return base * base * base
    }

    /// The unbiased estimate of MMD² between the rows of `x` (m x d) and `y` (n x d):
    /// the mean of k over distinct pairs within x, plus the same within y, minus twice the
    /// mean of k over all pairs across. The dot products come from matrix products (GEMM).
    public static func unbiasedSquaredMMD(_ x: [Float], _ y: [Float], dimension d: Int) -> Double {
        let m = x.count / d, n = y.count / d
        precondition(m >= 2 && n >= 2 && x.count == m * d && y.count == n * d, "MMD needs two or more d-vectors per set")
        let withinX = kernelSum(x, x, rows: m, columns: m, dimension: d, skippingDiagonal: true)
        let withinY = kernelSum(y, y, rows: n, columns: n, dimension: d, skippingDiagonal: true)
        let across = kernelSum(x, y, rows: m, columns: n, dimension: d, skippingDiagonal: false)
        return withinX / Double(m * (m - 1)) + withinY / Double(n * (n - 1)) - 2 * across / Double(m * n)
    }

    /// Σ k(a_i, b_j) over all pairs (or all pairs i != j).
    private static func kernelSum(_ a: [Float], _ b: [Float], rows: Int, columns: Int, dimension d: Int,
                                  skippingDiagonal: Bool) -> Double {
        var products = [Float](repeating: 0, count: rows * columns)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                products.withUnsafeMutableBufferPointer { pc in
                    GEMM.multiply(transB: true, m: rows, n: columns, k: d, a: pa.baseAddress!, lda: d,
                                  b: pb.baseAddress!, ldb: d, c: pc.baseAddress!, ldc: columns)
                }
            }
        }
        var sum = 0.0
        for i in 0..<rows {
            for j in 0..<columns where !(skippingDiagonal && i == j) {
                sum += kernel(dot: Double(products[i * columns + j]), dimension: d)
            }
        }
        return sum
    }

    private static func rows(_ vectors: [Float], dimension d: Int, picking indices: some Collection<Int>) -> [Float] {
        var result = [Float]()
        result.reserveCapacity(indices.count * d)
        for index in indices { result += vectors[(index * d)..<((index + 1) * d)] }
        return result
    }
}
