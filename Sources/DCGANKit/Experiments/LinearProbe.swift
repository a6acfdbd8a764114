import DCGANLayers
import DCGANTensor

/// Per-feature standardisation: subtract the mean and divide by the standard deviation that
/// the training features have, so that one C suits every feature's scale.
public struct FeatureStandardizer: Sendable {
    /// Mean of each feature over the training rows.
    public let mean: [Float]
    /// Standard deviations; a constant feature gets 1 so that it stays finite (at 0).
    public let deviation: [Float]

    /// The statistics of the columns of `features` (over all its rows).
    public init(fittedTo features: FeatureMatrix) {
        var sum = [Double](repeating: 0, count: features.columns), squares = sum
        features.values.withUnsafeBufferPointer { values in
            for row in 0..<features.rows {
                let line = values.baseAddress! + row * features.columns
                for column in 0..<features.columns {
                    let value = Double(line[column])
                    sum[column] += value
                    squares[column] += value * value
                }
            }
        }
        let count = Double(max(features.rows, 1))
        mean = sum.map { Float($0 / count) }
        deviation = zip(sum, squares).map { sum, squares in
            let variance = max(squares / count - (sum / count) * (sum / count), 0)
            return variance > 1e-12 ? Float(variance.squareRoot()) : 1
        }
    }

    /// Standardises every row of `features` in place.
    public func apply(to features: inout FeatureMatrix) {
        precondition(features.columns == mean.count, "features of \(features.columns) columns for statistics of \(mean.count)")
        let columns = features.columns
        features.values.withUnsafeMutableBufferPointer { values in
            for row in 0..<features.rows {
                let line = values.baseAddress! + row * columns
                for column in 0..<columns { line[column] = (line[column] - mean[column]) / deviation[column] }
            }
        }
    }
}

/// The paper's evaluation of features by a regularised linear L2-SVM: C chosen on a held-out
/// fifth of the labelled examples, the SVM retrained on all of them with that C, and its
/// accuracy on the test set reported.
public enum LinearProbe {
    /// The C values tried, from strong to weak regularisation (factors of about 3).
    public static let defaultGrid: [Double] = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1, 3, 10]

    /// What one evaluation found.
    public struct Outcome: Sendable {
        /// Validation accuracy of each C of the grid, in grid order.
        public let validation: [(c: Double, accuracy: Double)]
        /// The C with the best validation accuracy (the smaller one on ties: more regularised).
        public let bestC: Double
        /// Accuracy on the test rows of the SVM retrained on all labelled examples with `bestC`.
        public let testAccuracy: Double
    }

    /// `count` training rows drawn at random, as evenly over the classes as `labels` allows
    /// (count / classes of each, the remainder from classes picked at random); all rows, shuffled,
    /// when `count` is nil.
    public static func drawLabelled(labels: [Int], count: Int?, seed: UInt64) throws -> [Int] {
        var rng = RandomGenerator(seed: seed)
        guard let count else { return shuffled(Array(labels.indices), &rng) }
        guard count >= 2 else { throw ConfigError("need at least 2 labelled examples, not \(count)") }
        guard count <= labels.count else {
            throw ConfigError("asked for \(count) labelled examples but the training features have only \(labels.count)")
        }
        var byClass: [Int: [Int]] = [:]
        for (row, label) in labels.enumerated() { byClass[label, default: []].append(row) }
        let pools = byClass.keys.sorted().map { shuffled(byClass[$0]!, &rng) }
        var chosen: [Int] = []
        // Round-robin over the classes: every class gives one before any gives two.
        var round = 0
        while chosen.count < count {
            for classIndex in shuffled(Array(pools.indices), &rng) where chosen.count < count && round < pools[classIndex].count {
                chosen.append(pools[classIndex][round])
            }
            round += 1
        }
        return shuffled(chosen, &rng)
    }

    /// Chooses C on a seeded 20% validation split of `labelled`, retrains on all of `labelled`
    /// with the best C and scores the test rows. `progress` hears each C's validation accuracy.
    public static func evaluate(train: FeatureMatrix, trainLabels: [Int], labelled: [Int],
                                test: FeatureMatrix, testLabels: [Int], grid: [Double] = defaultGrid, seed: UInt64,
                                progress: (Double, Double) -> Void = { _, _ in }) throws -> Outcome {
        guard !grid.isEmpty else { throw ConfigError("the grid of C values is empty") }
        guard train.columns == test.columns else {
            throw ConfigError("training features have \(train.columns) columns but test features \(test.columns)")
        }
        var rng = RandomGenerator(seed: seed ^ 0xC5E1EC7)
        let order = shuffled(labelled, &rng)
        let validationCount = max(1, order.count / 5)
        let validationRows = Array(order.prefix(validationCount)), fitRows = Array(order.dropFirst(validationCount))
        guard !fitRows.isEmpty else { throw ConfigError("too few labelled examples to hold out a validation fifth") }
        var validation: [(c: Double, accuracy: Double)] = []
        for c in grid {
            let svm = try LinearSVM(features: train, labels: trainLabels, rows: fitRows, c: c)
            let accuracy = svm.accuracy(train, labels: trainLabels, rows: validationRows)
            validation.append((c, accuracy))
            progress(c, accuracy)
        }
        let best = validation.max { $0.accuracy < $1.accuracy || ($0.accuracy == $1.accuracy && $0.c > $1.c) }!
        let final = try LinearSVM(features: train, labels: trainLabels, rows: labelled, c: best.c)
        let testAccuracy = final.accuracy(test, labels: testLabels, rows: Array(0..<test.rows))
        return Outcome(validation: validation, bestC: best.c, testAccuracy: testAccuracy)
    }

    /// Fisher-Yates with the project's seeded generator.
    private static func shuffled(_ values: [Int], _ rng: inout RandomGenerator) -> [Int] {
        var values = values
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            values.swapAt(i, j)
        }
        return values
    }
}
