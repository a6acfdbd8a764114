import Foundation

/// How a classifier's predictions on generated images spread over the classes. A generator
/// that covers the data makes every class about as often as the data holds it; one that has
/// collapsed onto a few modes piles its samples into few classes, and the entropy drops
/// from near its maximum log(classes) towards 0.
public struct ClassHistogram: Sendable, Equatable {
    /// Predictions per class.
    public let counts: [Int]

    /// Counts `predictions`, each a class index in 0..<classes.
    public init(predictions: [Int], classes: Int) {
        precondition(classes >= 1, "a histogram needs at least one class")
        var counts = [Int](repeating: 0, count: classes)
        for prediction in predictions {
            precondition((0..<classes).contains(prediction), "prediction \(prediction) is not a class index below \(classes)")
            counts[prediction] += 1
        }
        self.counts = counts
    }

    /// Number of predictions counted.
    public var total: Int { counts.reduce(0, +) }

    /// Shannon entropy of the class frequencies in nats (0 for an empty histogram).
    public var entropy: Double {
        let total = Double(self.total)
        guard total > 0 else { return 0 }
        return counts.reduce(0.0) { sum, count in
            count == 0 ? sum : sum - Double(count) / total * log(Double(count) / total)
        }
    }

    /// log(classes): the entropy of predictions spread evenly over every class.
    public var maximumEntropy: Double { log(Double(counts.count)) }
}
