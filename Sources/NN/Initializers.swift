import Tensor

/// Weight initialisation schemes.
public enum Initializer {
    /// The DCGAN scheme (paper section 4): weights from N(0, 0.02), biases 0, BatchNorm scale
    /// from N(1, 0.02) and shift 0. Parameters are visited in order, so a seed fixes the result.
    public static func dcgan(_ parameters: [Parameter], rng: inout RandomGenerator, std: Float = 0.02) {
        for p in parameters {
            switch p.role {
            case .weight: rng.fillNormal(p.value, mean: 0, std: std)
            case .normScale: rng.fillNormal(p.value, mean: 1, std: std)
            case .bias, .normShift: p.value.fill(0)
            }
        }
    }
}
