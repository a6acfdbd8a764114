/// Named sets of training settings (`dcgan train --recipe`), applied before the options given
/// on the command line, which override them.
public enum Recipe: String, Codable, Sendable, CaseIterable {
    /// The seeds' DCGAN as the paper trains it: every default left as it is, so a run is
    /// bit-identical to one without `--recipe`.
    case paper
    /// The combination of this tool's options that gave the best samples per CPU minute on
    /// Fashion-MNIST (docs/QUALITY.md has the measurements and the ablation behind it).
    case improved

    /// What `improved` sets, in the command line's words.
    public static let improvedSummary = "--batch-size 64 --lr-d 4e-4 --lr-g 1e-3"

    /// Sets the recipe's training settings in `training` (the model family's defaults) and
    /// records the recipe; refuses a model family the recipe was not measured on.
    public func apply(to training: inout TrainingConfig, architecture: Architecture) throws {
        guard self == .improved else { return }
        guard architecture == .dcgan else {
            throw ConfigError("--recipe improved was measured on the dcgan model only, not \(architecture.rawValue); leave --recipe out or use --model dcgan")
        }
        training.recipe = rawValue
        training.batchSize = 64
        (training.learningRateD, training.learningRateG) = (4e-4, 1e-3)
    }
}
