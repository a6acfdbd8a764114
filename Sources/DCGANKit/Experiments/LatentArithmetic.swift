import DCGANTensor

/// Vector arithmetic on latent vectors (the paper's section 6.3.2, Figs. 7-8): the mean of a
/// few exemplars of a concept stands for the concept, and A - B + C moves between concepts
/// ("smiling woman" - "neutral woman" + "neutral man" = "smiling man").
public enum LatentArithmetic {
    /// The mean of `vectors[i]` for i in `indices` (at least one; the paper averages three,
    /// since single samples were unstable).
    public static func mean(of indices: [Int], in vectors: [[Float]]) -> [Float] {
        precondition(!indices.isEmpty, "a mean needs at least one exemplar")
        var sum = [Float](repeating: 0, count: vectors[indices[0]].count)
        for index in indices {
            precondition(vectors[index].count == sum.count, "exemplars must share one dimension")
            for j in 0..<sum.count { sum[j] += vectors[index][j] }
        }
        let scale = 1 / Float(indices.count)
        return sum.map { $0 * scale }
    }

    /// a - b + c.
    public static func combine(_ a: [Float], minus b: [Float], plus c: [Float]) -> [Float] {
        precondition(a.count == b.count && b.count == c.count, "arithmetic needs vectors of one dimension")
        return (0..<a.count).map { a[$0] - b[$0] + c[$0] }
    }

    /// `count` vectors near `center`: each is `center` plus noise drawn uniformly from
    /// [-radius, radius] per component with `seed` (the paper's Fig. 7 shows the result with
    /// noise of 0.25 added, to show that the arithmetic lands in a stable region).
    public static func neighbours(of center: [Float], count: Int, radius: Float = 0.25, seed: UInt64) -> [[Float]] {
        var rng = RandomGenerator(seed: seed)
        return (0..<count).map { _ in center.map { $0 + rng.uniform(-radius, radius) } }
    }
}
