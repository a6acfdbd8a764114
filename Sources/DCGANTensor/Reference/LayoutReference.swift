extension Reference {
    /// The label join from its index definition: output channel `ch` of sample n at position p
    /// is the input's channel ch when ch < C, else row n's value for label ch - C (whatever p).
    /// `shape` is the input's, [N, C, ...]; `rows` is [N, K] row-major.
    public static func joinLabels(_ x: [Double], _ shape: [Int], rows: [Double], classes k: Int) -> [Double] {
        let (n, c) = (shape[0], shape[1]), plane = shape.dropFirst(2).reduce(1, *)
        return (0..<n * (c + k) * plane).map { index in
            let (sample, ch, p) = (index / ((c + k) * plane), (index / plane) % (c + k), index % plane)
            return ch < c ? x[(sample * c + ch) * plane + p] : rows[sample * k + ch - c]
        }
    }
}
