import DCGANData
import DCGANTensor

/// Every statistic of one generated set against the reference images.
public struct SampleScores: Sendable {
    /// Images scored.
    public let samples: Int
    /// Fréchet distance between Gaussians fitted to the two feature sets (lower is better).
    public let frechetDistance: Double
    /// KID with its spread over subsets (lower is better; about 0 for samples of the data).
    public let kernelDistance: KernelDistance
    /// Fraction of samples inside the real manifold, and of real images inside the samples'.
    public let precisionRecall: PrecisionRecall
    /// The classifier's predicted classes of the samples.
    public let histogram: ClassHistogram

    /// Names of `scalars`, in order: the `metrics.csv` columns of `--eval-every`.
    public static let scalarNames = ["frechet_distance", "kid", "kid_std", "precision", "recall", "class_entropy"]

    /// The statistics as named numbers (for `metrics.csv` and TensorBoard scalars).
    public var scalars: [(name: String, value: Double)] {
        let values = [frechetDistance, kernelDistance.mean, kernelDistance.standardDeviation,
                      precisionRecall.precision, precisionRecall.recall, histogram.entropy]
        return Array(zip(Self.scalarNames, values))
    }
}

/// Scores generated images against a fixed set of real ones with a feature classifier. The
/// real images' features, Gaussian and k-NN manifold are computed once, so scoring many
/// sets (every `--eval-every` steps of a run) costs only the generated images' share.
public final class SampleScorer {
    /// The classifier whose features and predictions the scores use.
    public let classifier: FeatureClassifier
    /// How the reference images are described to the user ("fashion-mnist test split (10000 images)").
    public let referenceDescription: String
    /// Reference images used (at most the limit given).
    public let referenceCount: Int
    /// KID subsets: vectors per subset and their number.
    public let kidSubsetSize: Int, kidSubsets: Int
    private let referenceStatistics: GaussianStatistics
    private let referenceManifold: NeighbourhoodManifold

    /// Prepares the reference side. `referenceLimit` keeps a seeded selection of that many
    /// reference images: precision and recall compare sets of equal size best, so a scorer
    /// of few samples should use as many reference images.
    public init(classifier: FeatureClassifier, reference: ImageDataset, referenceDescription: String, referenceLimit: Int? = nil,
                kidSubsetSize: Int = KernelDistance.defaultSubsetSize, kidSubsets: Int = KernelDistance.defaultSubsets) {
        precondition([reference.channels, reference.height, reference.width] == [classifier.channels, classifier.imageSize, classifier.imageSize],
                     "reference images must have the classifier's shape")
        let images = reference.seededPrefix(referenceLimit ?? reference.count)
        precondition(images.count > PrecisionRecall.defaultK, "too few reference images")
        let features = classifier.featureVectors(count: images.count) { images.fillBatch($0, indices: $1) }
        let d = FeatureClassifier.featureDimension
        self.classifier = classifier
        self.referenceDescription = referenceDescription
        referenceCount = images.count
        (self.kidSubsetSize, self.kidSubsets) = (kidSubsetSize, kidSubsets)
        referenceStatistics = GaussianStatistics(features: features, count: images.count, dimension: d)
        referenceManifold = NeighbourhoodManifold(vectors: features, dimension: d, k: PrecisionRecall.defaultK)
    }

    /// Scores `count` generated images given as a fill function over index ranges (images in
    /// [-1, 1], the classifier's shape). Needs more than `PrecisionRecall.defaultK` images.
    public func score(count: Int, seed: UInt64 = 0, fill: (Tensor, Range<Int>) -> Void) -> SampleScores {
        precondition(count > PrecisionRecall.defaultK, "scoring needs more than \(PrecisionRecall.defaultK) images")
        let d = FeatureClassifier.featureDimension
        let (features, predicted) = classifier.featuresAndPredictions(count: count, fill: fill)
        return SampleScores(
            samples: count,
            frechetDistance: referenceStatistics.frechetDistance(to: GaussianStatistics(features: features, count: count, dimension: d)),
            kernelDistance: KernelDistance(real: referenceManifold.vectors, generated: features, dimension: d,
                                           subsetSize: kidSubsetSize, subsets: kidSubsets, seed: seed),
            precisionRecall: PrecisionRecall(real: referenceManifold,
                                             generated: NeighbourhoodManifold(vectors: features, dimension: d, k: PrecisionRecall.defaultK)),
            histogram: ClassHistogram(predictions: predicted, classes: classifier.classes))
    }

    /// Scores the images of `samples`.
    public func score(_ samples: ImageDataset, seed: UInt64 = 0) -> SampleScores {
        score(count: samples.count, seed: seed) { samples.fillBatch($0, indices: $1) }
    }
}
