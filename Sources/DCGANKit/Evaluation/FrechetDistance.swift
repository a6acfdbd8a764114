/// The Fréchet distance between two Gaussians fitted to feature vectors (the statistic FID
/// uses): |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1^1/2 S2 S1^1/2)^1/2).
///
/// The matrix square roots come from symmetric eigendecompositions, so the trace term is
/// computed from a symmetric positive semi-definite matrix (no complex parts to discard).
public struct GaussianStatistics: Sendable, Equatable {
    /// Mean of each feature.
    public let mean: [Double]
    /// Row-major d x d covariance (divided by n - 1, as NumPy's `cov`).
    public let covariance: [Double]
    /// Number of features.
    public var dimension: Int { mean.count }

    /// Fits mean and covariance to `count` rows of `dimension` features.
    public init(features: [Float], count: Int, dimension: Int) {
        precondition(count >= 2 && features.count == count * dimension, "need at least two feature rows")
        var mean = [Double](repeating: 0, count: dimension)
        for row in 0..<count { for j in 0..<dimension { mean[j] += Double(features[row * dimension + j]) } }
        for j in 0..<dimension { mean[j] /= Double(count) }
        var covariance = [Double](repeating: 0, count: dimension * dimension)
        var centred = [Double](repeating: 0, count: dimension)
        for row in 0..<count {
            for j in 0..<dimension { centred[j] = Double(features[row * dimension + j]) - mean[j] }
            for i in 0..<dimension {
                let ci = centred[i]
                for j in i..<dimension { covariance[i * dimension + j] += ci * centred[j] }
            }
        }
        for i in 0..<dimension {
            for j in i..<dimension {
                covariance[i * dimension + j] /= Double(count - 1)
                covariance[j * dimension + i] = covariance[i * dimension + j]
            }
        }
        self.mean = mean
        self.covariance = covariance
    }

    /// Statistics given directly (`covariance` row-major d x d).
    public init(mean: [Double], covariance: [Double]) {
        precondition(covariance.count == mean.count * mean.count, "covariance must be d x d")
        self.mean = mean
        self.covariance = covariance
    }

    /// The Fréchet distance to `other`.
    public func frechetDistance(to other: GaussianStatistics) -> Double {
        let d = dimension
        precondition(other.dimension == d, "statistics of different dimensions")
        var distance = 0.0
        for j in 0..<d { distance += (mean[j] - other.mean[j]) * (mean[j] - other.mean[j]) }
        for j in 0..<d { distance += covariance[j * d + j] + other.covariance[j * d + j] }
        let root = SymmetricEigen(covariance, dimension: d).applying { $0.squareRoot() }
        let inner = multiply(multiply(root, other.covariance, d), root, d)
        let traceTerm = SymmetricEigen(inner, dimension: d).values.reduce(0) { $0 + max($1, 0).squareRoot() }
        return distance - 2 * traceTerm
    }

    private func multiply(_ a: [Double], _ b: [Double], _ d: Int) -> [Double] {
        var c = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for k in 0..<d { let aik = a[i * d + k]; for j in 0..<d { c[i * d + j] += aik * b[k * d + j] } } }
        return c
    }
}

/// Eigenvalues and eigenvectors of a symmetric matrix by cyclic Jacobi rotations: slow for
/// large matrices but exact to rounding and simple enough to trust (feature dimensions here
/// are a few hundred at most).
public struct SymmetricEigen: Sendable {
    /// Rows (and columns) of the matrix.
    public let dimension: Int
    /// The eigenvalues, in no particular order.
    public let values: [Double]
    /// Column j is the eigenvector of values[j] (row-major d x d).
    public let vectors: [Double]

    /// Decomposes the symmetric row-major d x d `matrix`.
    public init(_ matrix: [Double], dimension d: Int) {
        var a = matrix
        var v = [Double](repeating: 0, count: d * d)
        for i in 0..<d { v[i * d + i] = 1 }
        for _ in 0..<100 {
            var offDiagonal = 0.0, scale = 0.0
            for i in 0..<d { for j in 0..<d { if i != j { offDiagonal += a[i * d + j] * a[i * d + j] } else { scale += a[i * d + j] * a[i * d + j] } } }
            if offDiagonal <= 1e-30 * max(scale, 1e-300) { break }
            for p in 0..<d {
                for q in (p + 1)..<max(d, p + 1) where abs(a[p * d + q]) > 1e-300 {
                    let theta = (a[q * d + q] - a[p * d + p]) / (2 * a[p * d + q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<d {
                        let akp = a[k * d + p], akq = a[k * d + q]
                        a[k * d + p] = c * akp - s * akq
                        a[k * d + q] = s * akp + c * akq
                    }
                    for k in 0..<d {
                        let apk = a[p * d + k], aqk = a[q * d + k]
                        a[p * d + k] = c * apk - s * aqk
                        a[q * d + k] = s * apk + c * aqk
                    }
                    for k in 0..<d {
                        let vkp = v[k * d + p], vkq = v[k * d + q]
                        v[k * d + p] = c * vkp - s * vkq
                        v[k * d + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        dimension = d
        values = (0..<d).map { a[$0 * d + $0] }
        vectors = v
    }

    /// V f(Λ) V^T: a function applied to the matrix through its eigenvalues (clamped at 0
    /// first, since covariance estimates can have tiny negative eigenvalues from rounding).
    public func applying(_ f: (Double) -> Double) -> [Double] {
        let d = dimension
        let mapped = values.map { f(max($0, 0)) }
        var result = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<d {
            var sum = 0.0
            for k in 0..<d { sum += vectors[i * d + k] * mapped[k] * vectors[j * d + k] }
            result[i * d + j] = sum
        } }
        return result
    }
}
