import DCGANTensor

/// The k nearest reference vectors of each query vector by Euclidean distance (the paper's
/// section 4 check that samples are not copies of training images: show each sample beside
/// its nearest training images, in pixel or feature space).
public enum NearestImages {
    /// One neighbour: its row in the references and its Euclidean distance.
    public struct Neighbour: Equatable, Sendable {
        /// Row of the neighbour in the references.
        public var index: Int
        /// Euclidean distance from the query.
        public var distance: Float
        /// A neighbour at row `index`, `distance` away.
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
    public static func search(queries: [Float], references: [Float], dimension d: Int, k: Int) -> [[Neighbour]] {
        precondition(d >= 1 && references.count % d == 0, "vectors must have \(d) values each")
        let referenceCount = references.count / d
        precondition(k >= 1 && k <= referenceCount, "k must be between 1 and the number of references")
        var result = [[Neighbour]]()
        result.reserveCapacity(queries.count / d)
        forEachDistanceRow(queries: queries, references: references, dimension: d) { _, squared in
            // A sorted list of the best k so far: k is small, so insertion beats a heap.
            var best = [(squared: Float, index: Int)]()
            best.reserveCapacity(k + 1)
            for column in 0..<referenceCount {
                let distance = squared[column]
                if best.count == k && distance >= best[k - 1].squared { continue }
                var position = best.count
                while position > 0 && best[position - 1].squared > distance { position -= 1 }
                best.insert((distance, column), at: position)
                if best.count > k { best.removeLast() }
            }
            result.append(best.map { Neighbour(index: $0.index, distance: $0.squared.squareRoot()) })
        }
        return result
    }

    /// Calls `body(query, squaredDistances)` for each query row in order, with the squared
    /// Euclidean distances from that query to every reference row (valid only inside `body`).
    /// Distances come from |q - r|^2 = |q|^2 + |r|^2 - 2 q.r with the products as one matrix
    /// product (GEMM) per block of queries, clamped at 0 against rounding. Every statistic
    /// that needs all pairwise distances (nearest neighbours, k-NN manifolds) goes through here.
    public static func forEachDistanceRow(queries: [Float], references: [Float], dimension d: Int,
                                          _ body: (Int, UnsafeBufferPointer<Float>) -> Void) {
        precondition(d >= 1 && queries.count % d == 0 && references.count % d == 0, "vectors must have \(d) values each")
        let queryCount = queries.count / d, referenceCount = references.count / d
        guard queryCount > 0, referenceCount > 0 else { return }
        let referenceNorms = squaredNorms(references, dimension: d)
        let queryNorms = squaredNorms(queries, dimension: d)
        var products = [Float](repeating: 0, count: min(block, queryCount) * referenceCount)
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
            products.withUnsafeMutableBufferPointer { p in
                for row in 0..<rows {
                    let line = UnsafeMutableBufferPointer(rebasing: p[(row * referenceCount)..<((row + 1) * referenceCount)])
                    let queryNorm = queryNorms[start + row]
                    for column in 0..<referenceCount {
                        line[column] = max(0, queryNorm + referenceNorms[column] - 2 * line[column])
                    }
                    body(start + row, UnsafeBufferPointer(line))
                }
            }
        }
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
