import DCGANTensor

/// The adversarial objective, chosen by value. D's last layer gives one score per image; each
/// loss says what the score means and how D and G are scored on it.
public enum GANLoss: String, Codable, Sendable, CaseIterable {
    /// The paper's: binary cross-entropy on logits, G with the non-saturating -log D(G(z)).
    case nonSaturating = "bce"
    /// Least squares: mean (score - target)^2, real target 1 (or `--real-label`), fake 0, G
    /// aiming at 1 (the book's MSELoss; LSGAN's a=0, b=c=1 without its 1/2).
    case leastSquares = "lsgan"
    /// Hinge: D minimises mean max(0, 1 - D(x)) + mean max(0, 1 + D(G(z))); G minimises -mean D(G(z)).
    case hinge
    /// Wasserstein (WGAN): the critic minimises mean D(G(z)) - mean D(x) with its weights clipped
    /// to [-c, c] after every update; G minimises -mean D(G(z)).
    case wasserstein

    /// Whose loss a pass computes.
    public enum Role: Sendable {
        /// D's loss on real images.
        case real
        /// D's loss on generated images.
        case fake
        /// G's loss, through D's output on its images.
        case generator
    }

    /// Whether the loss reads targets (and so `--real-label` and label noise apply).
    public var usesTargets: Bool { self == .nonSaturating || self == .leastSquares }

    /// The target a role aims the score at, for losses that use targets.
    public func target(for role: Role, realLabel: Float) -> Float {
        switch role {
        case .real: realLabel
        case .fake: 0
        case .generator: 1
        }
    }

    /// The loss of `scores` for `role`; writes d(loss)/d(scores) into `gradient`. `targets`
    /// (one per score) is read only when `usesTargets`.
    public func value(scores: Tensor, role: Role, targets: Tensor, gradient: Tensor) -> Float {
        switch self {
        case .nonSaturating: LossKernel.bceWithLogits(logits: scores, targets: targets, gradient: gradient)
        case .leastSquares: LossKernel.mse(predictions: scores, targets: targets, gradient: gradient)
        case .hinge:
            role == .generator ? LossKernel.meanScore(scores: scores, scale: -1, gradient: gradient)
                : LossKernel.hinge(scores: scores, sign: role == .real ? 1 : -1, gradient: gradient)
        case .wasserstein: LossKernel.meanScore(scores: scores, scale: role == .fake ? 1 : -1, gradient: gradient)
        }
    }

    /// What the training log reports as D's output: the mean probability for the
    /// cross-entropy loss (its scores are logits), the mean score itself for the others.
    public func meanOutput(_ scores: Tensor) -> Float {
        var total: Float = 0
        for i in 0..<scores.count { total += self == .nonSaturating ? stableSigmoid(scores[i]) : scores[i] }
        return total / Float(max(scores.count, 1))
    }
}
