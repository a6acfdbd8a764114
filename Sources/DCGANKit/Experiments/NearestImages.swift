import DCGANTensor

/// The k nearest reference vectors of each query vector by Euclidean distance (the paper's
/// section 4 check that samples are not copies of training images: show each sample beside
/// its nearest training images, in pixel or feature space).
public enum NearestImages {
    /// One neighbour: its row in the references and its Euclidean distance.
    public struct Neighbour: Equatable, Sendable {
        public var index: Int
        public var distance: Float
        public init(index: Int, distance: Float) {
            self.index = index
            self.distance = distance
        }
    }

    /// Queries compared at once: a block of products (block x references) stays a few tens
    /// of MB and each block is one large matrix product.
    static let block = 256

    /// For each of the `queryCount` rows of `queries` (row-major, `dimension` values each),
    /// its `k` nearest rows of `references`, nearest first (ties: lower index first).
    /// Distances come from |q - r|^2 = |q|^2 + |r|^2 - 2 q.r with the products as matrix
    /// products (GEMM), clamped at 0 against rounding.
    public static func search(queries: [Float], references: [Float], dimension d: Int, k: Int) -> [[Neighbour]] {
        precondition(d >= 1 && queries.count % d == 0 && references.count % d == 0, "vectors must have \(d) values each")
        let queryCount = queries.count / d, referenceCount = references.count / d
        precondition(k >= 1 && k <= referenceCount, "k must be between 1 and the number of references")
        let referenceNorms = squaredNorms(references, dimension: d)
        let queryNorms = squaredNorms(queries, dimension: d)
        var products = [Float](repeating: 0, count: min(block, max(queryCount, 1)) * referenceCount)
        var result = [[Neighbour]]()
        result.reserveCapacity(queryCount)
        for start in stride(from: 0, to: queryCount, by: block) {
            let rows = min(block, queryCount - start)
            queries.withUnsafeBufferPointer { q in
                references.withUnsafeBufferPointer { r in
                    products.withUnsafeMutableBufferPointer { p in
                        GEMM.multiply(transB: true, m: rows, n: referenceCount, k: d, a: q.baseAddress! + start * d, lda: d,
                                      b: r.baseAddress!, ldb: d, c: p.baseAddress!, ldc: referenceCount)
                    }
                }
            }
            for row in 0..<rows {
                // A sorted list of the best k so far: k is small, so insertion beats a heap.
                var best = [(squared: Float, index: Int)]()
                best.reserveCapacity(k + 1)
                let base = row * referenceCount
                for column in 0..<referenceCount {
                    let squared = referenceNorms[column] - 2 * products[base + column]
                    if best.count == k && squared >= best[k - 1].squared { continue }
                    var position = best.count
                    while position > 0 && best[position - 1].squared > squared { position -= 1 }
                    best.insert((squared, column), at: position)
                    if best.count > k { best.removeLast() }
                }
                let queryNorm = queryNorms[start + row]
                result.append(best.map { Neighbour(index: $0.index, distance: max(0, queryNorm + $0.squared).squareRoot()) })
            }
        }
        return result
    }

    /// The mean distance from each query to its nearest reference.
    public static func meanNearestDistance(queries: [Float], references: [Float], dimension: Int) -> Double {
        let nearest = search(queries: queries, references: references, dimension: dimension, k: 1)
        guard !nearest.isEmpty else { return 0 }
        return nearest.reduce(0.0) { $0 + Double($1[0].distance) } / Double(nearest.count)
    }

    private static func squaredNorms(_ vectors: [Float], dimension d: Int) -> [Float] {
        (0..<(vectors.count / d)).map { row in
            var sum: Float = 0
            for j in (row * d)..<((row + 1) * d) { sum += vectors[j] * vectors[j] }
            return sum
        }
    }
}
