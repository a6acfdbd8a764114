import DCGANData
import DCGANTensor

/// 1-nearest-neighbour classification in pixel space: the paper's evaluation of conditional
/// samples (supplement 8.1, Table 3): label the test images by their nearest generated
/// sample, and compare the error with the same classifier built on real training images.
public enum NearestNeighbour {
    /// Test images compared at once: a block of distances (block x references) stays a few
    /// tens of MB and each block is one large matrix product.
    static let block = 256

    /// The fraction of `test` whose nearest image in `references` (Euclidean distance on the
    /// pixels scaled to [-1, 1]) carries another label. Both must be labelled and of one shape.
    public static func errorRate(references: ImageDataset, test: ImageDataset) -> Double {
        precondition(references.labels != nil && test.labels != nil, "1-NN needs labelled images")
        precondition(references.imageSize == test.imageSize && references.count >= 1, "1-NN needs references of the test images' shape")
        let d = references.imageSize, n = references.count
        let reference = Tensor(zeros: [n, d])
        references.fillBatch(reference.reshaped([n, references.channels, references.height, references.width]), indices: 0..<n)
        // |t - r|^2 = |t|^2 + |r|^2 - 2 t.r; |t|^2 is the same for every r, so it is left out.
        let norms = (0..<n).map { row in (0..<d).reduce(Float(0)) { $0 + reference[row * d + $1] * reference[row * d + $1] } }
        var queries = ReusableTensor()
        let products = Tensor(zeros: [block, n])
        let referenceLabels = references.labels!, testLabels = test.labels!
        var wrong = 0
        for start in stride(from: 0, to: test.count, by: block) {
            let rows = min(block, test.count - start)
            let query = queries.get([rows, test.channels, test.height, test.width])
            test.fillBatch(query, indices: start..<(start + rows))
            GEMM.multiply(transB: true, m: rows, n: n, k: d, a: query.pointer, lda: d, b: reference.pointer, ldb: d,
                          c: products.pointer, ldc: n)
            for row in 0..<rows {
                var best = 0, bestDistance = Float.infinity
                for column in 0..<n {
                    let distance = norms[column] - 2 * products[row * n + column]
                    if distance < bestDistance { (best, bestDistance) = (column, distance) }
                }
                if referenceLabels[best] != testLabels[start + row] { wrong += 1 }
            }
        }
        return Double(wrong) / Double(test.count)
    }
}
