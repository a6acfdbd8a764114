import DCGANData
import Foundation

/// The scoring classifier of a dataset, trained once and kept in a file whose name records
/// the dataset, split, image size, channels and a fingerprint of the data
/// (`FeatureClassifier.Provenance.fileName`).
public enum ClassifierCache {
    /// Where classifiers are kept unless a path is named.
    public static let defaultFolder = "runs/classifiers"
    /// Passes over the training images: two give Fashion-MNIST about 89% with the default width.
    public static let defaultEpochs = 2

    /// The default file of the classifier for `provenance`.
    public static func defaultPath(for provenance: FeatureClassifier.Provenance) -> String {
        defaultFolder + "/" + provenance.fileName
    }

    /// Loads the classifier at `path`, refusing it (one line naming both) unless it was trained
    /// on exactly the data `expected` describes.
    public static func load(path: String, expecting expected: FeatureClassifier.Provenance) throws -> FeatureClassifier {
        let classifier = try FeatureClassifier.load(path: path)
        guard classifier.provenance == expected else {
            throw DataError(path: path, "this classifier was trained on \(classifier.provenance.map(String.init(describing:)) ?? "unrecorded data"), not on \(expected); name another file")
        }
        return classifier
    }

    /// Loads the classifier at `path` if the file exists (see `load(path:expecting:)`);
    /// otherwise trains one on `train`, measures its accuracy on `test`, and saves it there
    /// atomically. `log` receives one line per epoch and one with the test accuracy.
    public static func loadOrTrain(path: String, provenance: FeatureClassifier.Provenance, train: ImageDataset, test: ImageDataset,
                                   epochs: Int = defaultEpochs, seed: UInt64 = 2015, log: (String) -> Void) throws -> FeatureClassifier {
        if FileManager.default.fileExists(atPath: path) { return try load(path: path, expecting: provenance) }
        guard epochs >= 1 else { throw ConfigError("the classifier needs at least one training epoch, not \(epochs)") }
        guard let labels = train.labels, Set(labels).count >= 2 else {
            throw ConfigError("the \(provenance.dataset) images have fewer than two labelled classes: no classifier can be trained on them")
        }
        let classes = max(labels.max()! + 1, train.classNames?.count ?? 0)
        let model = FeatureClassifier(imageSize: provenance.imageSize, channels: provenance.channels, classes: classes)
        model.provenance = provenance
        log("training the scoring classifier on \(train.count) \(provenance) images (once; saved to \(path))")
        let started = Date()
        model.train(on: train, test: test, epochs: epochs, batchSize: min(128, train.count), seed: seed) { epoch, loss in
            log(String(format: "  epoch %d  loss %.4f", epoch, loss))
        }
        log(String(format: "  test accuracy %.2f%% on %d images (%.0f s)", model.testAccuracy * 100, test.count, Date().timeIntervalSince(started)))
        try FileManager.default.createDirectory(atPath: PathParts(path).folder, withIntermediateDirectories: true)
        try AtomicFile.write(try model.encode(), to: path, overwrite: false)
        return model
    }
}
