extension Reference {
    /// Layer normalisation of [N, F]: each row minus its mean, over sqrt(its biased variance + eps),
    /// then times gamma[j] and plus beta[j] (each optional), straight from the definition.
    public static func layerNorm(_ x: [Double], features f: Int, gamma: [Double]?, beta: [Double]?, eps: Double) -> [Double] {
        var y = x
        for row in 0..<x.count / f {
            let values = x[(row * f)..<((row + 1) * f)]
            let mean = values.reduce(0, +) / Double(f)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(f)
            for j in 0..<f {
                y[row * f + j] = (x[row * f + j] - mean) / (variance + eps).squareRoot() * (gamma?[j] ?? 1) + (beta?[j] ?? 0)
            }
        }
        return y
    }
}
