import DCGANData
import DCGANTensor

/// The real images behind a score: what the classifier trains on, what measures its
/// accuracy, and the reference set generated images are compared with, all of one size and
/// channel count.
public struct ScoringData: Sendable {
    /// The dataset's catalogue name.
    public let dataset: String
    /// The images the classifier trains on (part of the training split).
    public let classifierTraining: ImageDataset
    /// The images its accuracy is measured on: the test split, or a hold-out of the training
    /// split for a dataset that has no test split.
    public let classifierTest: ImageDataset
    /// The real images the generated ones are compared with.
    public let reference: ImageDataset
    /// The split the reference images come from ("test" where the dataset has one, else "train").
    public let referenceSplit: String
    /// What a classifier trained on `classifierTraining` records about it.
    public let provenance: FeatureClassifier.Provenance

    /// Datasets that ship a separate test split.
    public static let datasetsWithTestSplit: Set<String> = ["fashion-mnist", "mnist", "cifar10"]
    /// Pixels (images x height x width) the classifier is trained on per epoch at most: all
    /// 60,000 images of 28x28, fewer of larger ones, so that training stays about a minute.
    public static let trainingPixelBudget = 60_000 * 28 * 28

    /// Loads `dataset` from `root` at `imageSize` x `imageSize` with `channels`, as training
    /// would (`DatasetCatalog.load`); of `options` only what picks the images' source counts
    /// (the hdf5 key, the fake dataset's count and seed): every class and split is read.
    /// Unlabelled data is refused with a line that says what cannot be scored without a classifier.
    public static func load(dataset: String, root: String, imageSize: Int, channels: Int,
                            options: DatasetOptions = DatasetOptions()) throws -> ScoringData {
        func read(_ split: DataSplit) throws -> ImageDataset {
            try DatasetCatalog.load(name: dataset, root: root, imageSize: imageSize, channels: channels,
                                    options: DatasetOptions(split: split, hdf5Key: options.hdf5Key, fakeCount: options.fakeCount,
                                                            seed: options.seed)).training
        }
        let train = try read(.train)
        guard let labels = train.labels, Set(labels).count >= 2 else {
            throw ConfigError("the \(dataset) images in \(root) have no labels (of two or more classes), so no classifier can be trained on them; "
                              + "without its features nothing can be scored (Fréchet distance, KID, precision/recall and the class histogram all need them)")
        }
        guard imageSize % 4 == 0 else { throw ConfigError("the scoring classifier takes image sizes divisible by 4, not \(imageSize)") }
        let provenance = FeatureClassifier.Provenance(dataset: dataset, split: DataSplit.train.rawValue, images: train)
        let budget = max(1000, trainingPixelBudget / (imageSize * imageSize))
        if datasetsWithTestSplit.contains(dataset) {
            let test = try read(.test)
            return ScoringData(dataset: dataset, classifierTraining: train.seededPrefix(budget), classifierTest: test, reference: test,
                               referenceSplit: DataSplit.test.rawValue, provenance: provenance)
        }
        let (training, heldOut) = train.holdingOut(fraction: 0.1, seed: 2015)
        return ScoringData(dataset: dataset, classifierTraining: training.seededPrefix(budget), classifierTest: heldOut, reference: train,
                           referenceSplit: DataSplit.train.rawValue, provenance: provenance)
    }

    /// "fashion-mnist test split (10000 images)".
    public var referenceDescription: String { "\(dataset) \(referenceSplit) split (\(reference.count) images)" }
}

extension ImageDataset {
    /// At most `limit` images, picked by a seeded shuffle (all of them, unshuffled, when there are no more).
    func seededPrefix(_ limit: Int, seed: UInt64 = 7) -> ImageDataset {
        guard count > limit else { return self }
        var rng = RandomGenerator(seed: seed)
        return subset(Array(rng.permutation(count).prefix(limit)))
    }
}
