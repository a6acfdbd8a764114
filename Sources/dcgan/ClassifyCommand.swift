import ArgumentParser
import DCGANData
import DCGANKit
import Foundation

struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Score features with a regularised linear L2-SVM (paper section 5): test accuracy.",
        discussion: """
            Reads features-<split>.npy files written by `dcgan features` and the labels-<split>.npy beside \
            them. Features are standardised with the training features' mean and deviation; C is chosen \
            on a 20% validation split of the labelled examples, then the SVM (liblinear, one-vs-rest \
            squared hinge, as scikit-learn's LinearSVC) is retrained on all of them and scored on the test set. \
            With --labels N, N labelled examples are drawn (evenly over the classes) --draws times and \
            the mean and standard deviation are reported.
            """)

    @Option(help: "Training features (float32 .npy, N x F); labels from labels-<split>.npy beside it.")
    var train: String
    @Option(help: "Test features (float32 .npy, M x F); labels from labels-<split>.npy beside it.")
    var test: String
    @Option(parsing: .unconditional, help: "Number of labelled training examples to use (default: all).", transform: OptionRange.integer(1...OptionRange.maxImages))
    var labels: Int?
    @Option(parsing: .unconditional, help: "Repetitions with different draws of labelled examples (default 5 with --labels, else 1).", transform: OptionRange.integer(1...1000))
    var draws: Int?
    @Option(help: "Comma-separated C values to choose from (default 1e-4 ... 10 by factors of about 3).")
    var cGrid: String?
    @Option(parsing: .unconditional, help: "Seed of the first draw and of the validation split.", transform: OptionRange.seed)
    var seed: UInt64 = 1

    func run() throws {
        let drawCount = draws ?? (labels == nil ? 1 : 5)
        let grid = try parseGrid()
        var (trainFeatures, trainLabels) = try Self.load(train, what: "training")
        var (testFeatures, testLabels) = try Self.load(test, what: "test")
        guard trainFeatures.columns == testFeatures.columns else {
            throw DataError(path: test, "has \(testFeatures.columns) features per example but \(train) has \(trainFeatures.columns)")
        }
        if let labels, labels > trainFeatures.rows {
            throw ConfigError("--labels \(labels) is more than the \(trainFeatures.rows) training examples")
        }
        let standardizer = FeatureStandardizer(fittedTo: trainFeatures)
        standardizer.apply(to: &trainFeatures)
        standardizer.apply(to: &testFeatures)
        var accuracies: [Double] = []
        for draw in 0..<drawCount {
            let start = Date()
            let drawSeed = seed &+ UInt64(draw)
            let labelled = try LinearProbe.drawLabelled(labels: trainLabels, count: labels, seed: drawSeed)
            let outcome = try LinearProbe.evaluate(train: trainFeatures, trainLabels: trainLabels, labelled: labelled,
                                                   test: testFeatures, testLabels: testLabels, grid: grid, seed: drawSeed)
            let validation = outcome.validation.map { String(format: "%g:%.3f", $0.c, $0.accuracy) }.joined(separator: " ")
            print(String(format: "draw %d: %d labelled, validation %@, best C %g, test accuracy %.2f%% (%.1f s)",
                         draw + 1, labelled.count, validation, outcome.bestC, outcome.testAccuracy * 100,
                         Date().timeIntervalSince(start)))
            accuracies.append(outcome.testAccuracy)
        }
        let mean = accuracies.reduce(0, +) / Double(accuracies.count)
        let deviation = accuracies.count > 1
            ? (accuracies.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(accuracies.count - 1)).squareRoot() : 0
        print(String(format: "test accuracy %.2f%% ± %.2f%% over %d draw(s) of %d labelled examples (%d features)",
                     mean * 100, deviation * 100, accuracies.count, labels ?? trainFeatures.rows, trainFeatures.columns))
        let json: [String: Any] = ["mean_accuracy": mean, "std_accuracy": deviation, "accuracies": accuracies,
                                   "labels": labels ?? trainFeatures.rows, "features": trainFeatures.columns]
        print("JSON " + String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self))
    }

    private func parseGrid() throws -> [Double] {
        guard let cGrid else { return LinearProbe.defaultGrid }
        let values = cGrid.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0.map { $0 > 0 && $0.isFinite } ?? false }) else {
            throw ConfigError("--c-grid must be positive finite numbers separated by commas, not \(cGrid)")
        }
        return values.map { $0! }
    }

    /// A features file and the labels file beside it (features-X.npy -> labels-X.npy).
    static func load(_ path: String, what: String) throws -> (FeatureMatrix, [Int]) {
        let (shape, values) = try NPYReader.readFloat32(path: path)
        guard shape.count == 2, shape[0] >= 1, shape[1] >= 1 else {
            throw DataError(path: path, "\(what) features must be a non-empty N x F array, not shape \(shape)")
        }
        let parts = PathParts(path), name = parts.name
        guard name.hasPrefix("features-") else {
            throw DataError(path: path, "cannot find its labels: the name should be features-<split>.npy (labels in labels-<split>.npy)")
        }
        let labelsPath = parts.folder + "/labels-" + name.dropFirst("features-".count)
        guard FileManager.default.fileExists(atPath: labelsPath) else {
            throw DataError(path: labelsPath, "no labels for the \(what) features (unlabelled features cannot train or score an SVM)")
        }
        let labels = try NPYReader.readIntegers(path: labelsPath)
        guard labels.count == shape[0] else {
            throw DataError(path: labelsPath, "has \(labels.count) labels for \(shape[0]) \(what) examples")
        }
        return (FeatureMatrix(rows: shape[0], columns: shape[1], values: values), labels)
    }
}
