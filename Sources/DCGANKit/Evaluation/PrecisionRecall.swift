/// A set of feature vectors seen as a manifold: the union of balls around each vector whose
/// radius is the distance to its k-th nearest other vector of the set (Kynkäänniemi et al.
/// 2019, "Improved Precision and Recall Metric for Assessing Generative Models").
public struct NeighbourhoodManifold: Sendable {
    /// The vectors, row-major.
    public let vectors: [Float]
    /// Values per vector.
    public let dimension: Int
    /// The k of the radii.
    public let k: Int
    /// Squared radius of each vector's ball.
    public let squaredRadii: [Float]
    /// Number of vectors.
    public var count: Int { squaredRadii.count }

    /// Measures the radii: for each vector, its k + 1 nearest vectors of the set include
    /// itself at distance 0, so the last of them is its k-th nearest other vector.
    /// Needs more than `k` vectors.
    public init(vectors: [Float], dimension: Int, k: Int = 3) {
        let count = vectors.count / dimension
        precondition(count > k && vectors.count == count * dimension, "a k-NN manifold needs more than k vectors")
        let nearest = NearestImages.search(queries: vectors, references: vectors, dimension: dimension, k: k + 1)
        squaredRadii = nearest.map { $0[k].distance * $0[k].distance }
        self.vectors = vectors
        self.dimension = dimension
        self.k = k
    }

    /// The fraction of `queries` (row-major vectors of the same dimension) that lie inside
    /// at least one ball of this manifold.
    public func coverage(of queries: [Float]) -> Double {
        precondition(queries.count % dimension == 0 && !queries.isEmpty, "queries must be \(dimension)-vectors")
        var inside = 0
        NearestImages.forEachDistanceRow(queries: queries, references: vectors, dimension: dimension) { _, squared in
            for column in 0..<count where squared[column] <= squaredRadii[column] {
                inside += 1
                return
            }
        }
        return Double(inside) / Double(queries.count / dimension)
    }
}

/// Precision and recall of a generated set against a real one (Kynkäänniemi et al. 2019):
/// precision is the fraction of generated samples inside the real manifold (are the samples
/// realistic?), recall the fraction of real samples inside the generated manifold (does the
/// generator cover the data, or has it collapsed onto part of it?).
public struct PrecisionRecall: Sendable, Equatable {
    /// Fraction of generated samples inside the real manifold, in [0, 1].
    public let precision: Double
    /// Fraction of real samples inside the generated manifold, in [0, 1].
    public let recall: Double

    /// The paper's neighbourhood size.
    public static let defaultK = 3

    /// Compares two manifolds of the same dimension.
    public init(real: NeighbourhoodManifold, generated: NeighbourhoodManifold) {
        precondition(real.dimension == generated.dimension, "manifolds of different dimensions")
        precision = real.coverage(of: generated.vectors)
        recall = generated.coverage(of: real.vectors)
    }

    /// Builds both manifolds with `k` nearest neighbours and compares them.
    public init(real: [Float], generated: [Float], dimension: Int, k: Int = defaultK) {
        self.init(real: NeighbourhoodManifold(vectors: real, dimension: dimension, k: k),
                  generated: NeighbourhoodManifold(vectors: generated, dimension: dimension, k: k))
    }
}
