import DCGANTensor
import Foundation

/// A sign of a failing GAN run that `TrainingHealth` recognises.
public enum HealthCondition: String, CaseIterable, Sendable {
    /// D wins outright: it calls every fake fake (D(G(z)) near 0) for many steps while G's loss does not fall.
    case dWins = "d-wins"
    /// The fixed-noise samples look alike: their diversity fell far below the real images'.
    case collapse
    /// D's loss swings widely and the swings do not die down.
    case oscillation

    /// Whether `--stop-on-collapse` ends a run showing it (oscillation only warns: runs often recover from it).
    public var stopsRun: Bool { self != .oscillation }
}

/// A condition that started or cleared, with a phrase saying what was measured.
public struct HealthChange: Sendable, Equatable {
    /// The condition.
    public var condition: HealthCondition
    /// True when it started, false when it cleared.
    public var started: Bool
    /// What was measured, e.g. "D(G(z)) below 0.01 for 200 steps".
    public var detail: String

    /// One line for the log: "warning: d-wins: ..." or "health: d-wins cleared: ...".
    public var line: String {
        started ? "warning: \(condition.rawValue): \(detail)" : "health: \(condition.rawValue) cleared (\(detail))"
    }
}

/// Watches a run's step metrics and sample diversity for the common ways a GAN fails. Pure
/// bookkeeping: it draws no random numbers and touches no weights, so a run with it computes
/// exactly what a run without it would. The rules (constants below):
///
/// - d-wins (cross-entropy loss only, where D's output is a probability): D(G(z)) before and
///   after D's update below 0.01 on each of the last `window` steps (G's loss -log D(G(z)) is
///   then above 4.6) and G's mean loss over the second half of those steps not below the first
///   half's. Clears after `window / 10` steps with D(G(z)) at 0.01 or more.
/// - collapse: on each sample grid, the mean pairwise pixel distance of the fixed-noise samples
///   divided by that of a fixed batch of real images, below 0.25. Clears on a grid at 0.25 or more.
/// - oscillation (every loss but wasserstein, whose D loss has no scale to compare with): in
///   both halves of the last `window` steps, loss D's interquartile range exceeds its median:
///   swings as large as the loss itself that do not die down. A robust spread, so that the
///   isolated spikes of a healthy run do not count (healthy Fashion-MNIST, conditional and MLP
///   runs stay below 0.55); a median below 0.1 counts as 0.1. Clears when either half's ratio is below 0.7.
///
/// Non-finite losses are not a condition: the run stops on them at once (`DivergenceError`).
public struct TrainingHealth: Sendable {
    /// D(G(z)) below this counts as D winning (a 1% chance that D takes a fake for real).
    public static let dWinsOutput: Float = 0.01
    /// Samples less diverse than this fraction of the real images count as collapsed.
    public static let collapseRatio = 0.25
    /// Loss D's interquartile range over its median above which the losses oscillate.
    public static let oscillationSpread = 1.0
    /// The spread below which an oscillation clears (lower, so that a warning does not flicker).
    public static let oscillationClearSpread = 0.7

    /// Steps a condition must last: 200, or a fifth of a shorter run (at least 10).
    public let window: Int
    private let loss: GANLoss
    /// The conditions in force, in `HealthCondition.allCases` order.
    public private(set) var active: [HealthCondition] = []
    private var details: [HealthCondition: String] = [:]
    private var winningSteps = 0, recoveringSteps = 0
    private var recentLossD: [Float] = [], recentLossG: [Float] = []

    /// A monitor for a run of `totalSteps` generator steps trained with `loss`.
    public init(loss: GANLoss, totalSteps: Int) {
        self.loss = loss
        window = min(200, max(10, totalSteps / 5))
    }

    /// The `metrics.csv` code of the conditions in force: empty when healthy, else their names joined by "+".
    public var code: String { active.map(\.rawValue).joined(separator: "+") }

    /// Why `--stop-on-collapse` should end the run now, or nil while no stopping condition is in force.
    public var stopReason: String? {
        guard let condition = active.first(where: \.stopsRun), let detail = details[condition] else { return nil }
        switch condition {
        case .collapse: return "the fixed-noise samples collapsed (\(detail))"
        default: return "D wins outright (\(detail))"
        }
    }

    /// Picks up where a resumed run's log left off: takes in the metrics of its last `window`
    /// rows up to `step` (a metrics.csv text) as `observe` would have, reporting nothing, and a
    /// collapse in force at its last row from the health column (collapse is measured on sample
    /// grids, which the log does not hold). Rows without the five step metrics are skipped.
    public mutating func resume(fromLog csv: String, upTo step: Int) {
        let rows = MetricsLog.rows(csv: csv, upTo: step)
        for row in rows.suffix(window) {
            if let metrics = MetricsLog.stepMetrics(row.fields) { _ = observe(metrics) }
        }
        if rows.last?.fields[MetricsLog.healthColumn]?.split(separator: "+").contains("collapse") == true {
            var changes: [HealthChange] = []
            set(.collapse, detail: "in force at step \(rows.last!.step), before the run was resumed", into: &changes)
        }
    }

    /// Takes in one step's metrics; returns the conditions that started or cleared with it.
    public mutating func observe(_ metrics: StepMetrics) -> [HealthChange] {
        guard metrics.isFinite else { return [] }
        recentLossD.append(metrics.lossD)
        recentLossG.append(metrics.lossG)
        if recentLossD.count > window { recentLossD.removeFirst(); recentLossG.removeFirst() }
        var changes: [HealthChange] = []
        if loss == .nonSaturating { observeDWins(metrics, into: &changes) }
        if loss != .wasserstein && recentLossD.count == window {
            let half = window / 2
            let spread = min(Self.spread(recentLossD.prefix(half)), Self.spread(recentLossD.suffix(half)))
            let detail = "loss D's spread (interquartile range over median) " + Self.format(spread) + " in both halves of the last \(window) steps"
            if spread > Self.oscillationSpread {
                set(.oscillation, detail: detail, into: &changes)
            } else if spread < Self.oscillationClearSpread {
                clear(.oscillation, detail: "loss D's spread " + Self.format(spread), into: &changes)
            }
        }
        return changes
    }

    /// Takes in the diversity of a sample grid as a fraction of the real images'; returns the
    /// change it made, if any. A ratio that is not a number (real images all alike) is ignored.
    public mutating func observeSamples(diversityRatio ratio: Double) -> [HealthChange] {
        var changes: [HealthChange] = []
        guard ratio.isFinite else { return changes }
        let detail = "diversity " + Self.format(ratio) + " of the real images'"
        if ratio < Self.collapseRatio { set(.collapse, detail: detail, into: &changes) } else { clear(.collapse, detail: detail, into: &changes) }
        return changes
    }

    private mutating func observeDWins(_ metrics: StepMetrics, into changes: inout [HealthChange]) {
        let winning = max(metrics.dFakeBefore, metrics.dFakeAfter) < Self.dWinsOutput
        (winningSteps, recoveringSteps) = winning ? (winningSteps + 1, 0) : (0, recoveringSteps + 1)
        if winning, winningSteps >= window {
            let half = window / 2
            let (early, late) = (Self.mean(recentLossG.prefix(half)), Self.mean(recentLossG.suffix(half)))
            if late >= early {
                set(.dWins, detail: "D(G(z)) below \(Self.dWinsOutput) for \(winningSteps) steps while G's loss did not fall (mean " + Self.format(late) + ")", into: &changes)
            }
        } else if recoveringSteps >= max(1, window / 10) {
            clear(.dWins, detail: "D(G(z)) at \(Self.dWinsOutput) or more for \(recoveringSteps) steps", into: &changes)
        }
    }

    private mutating func set(_ condition: HealthCondition, detail: String, into changes: inout [HealthChange]) {
        guard !active.contains(condition) else { return }
        details[condition] = detail
        active = HealthCondition.allCases.filter { $0 == condition || active.contains($0) }
        changes.append(HealthChange(condition: condition, started: true, detail: detail))
    }

    private mutating func clear(_ condition: HealthCondition, detail: String, into changes: inout [HealthChange]) {
        guard active.contains(condition) else { return }
        active.removeAll { $0 == condition }
        details[condition] = nil
        changes.append(HealthChange(condition: condition, started: false, detail: detail))
    }

    /// Interquartile range over the median; quantiles interpolate linearly between the sorted
    /// values (NumPy's default). A median below 0.1 counts as 0.1: a loss falling to 0 as D
    /// wins would otherwise make tiny swings look huge.
    static func spread(_ values: some Collection<Float>) -> Double {
        let sorted = values.map(Double.init).sorted()
        let quantile = { (p: Double) -> Double in
            let position = p * Double(sorted.count - 1), below = Int(position)
            let above = min(below + 1, sorted.count - 1)
            return sorted[below] + (position - Double(below)) * (sorted[above] - sorted[below])
        }
        let median = quantile(0.5)
        return (quantile(0.75) - quantile(0.25)) / max(median, 0.1)
    }

    private static func mean(_ values: some Collection<Float>) -> Double {
        values.reduce(0) { $0 + Double($1) } / Double(max(values.count, 1))
    }

    private static func format(_ value: Double) -> String { String(format: "%.2f", value) }
}

/// How different a batch of images are from each other, measured in pixel space (cheap, and
/// the same for every dataset).
public enum SampleDiversity {
    /// The mean Euclidean distance between the pixel vectors of every pair of the batch's
    /// images (dimension 0 indexes the images), over the square root of the values per image:
    /// the root-mean-square difference per pixel of a typical pair. 0 for fewer than two images.
    public static func meanPairwiseDistance(_ images: Tensor) -> Double {
        let count = images.shape[0]
        guard count >= 2 else { return 0 }
        let size = images.count / count
        let values = images.array
        var total = 0.0
        for i in 0..<count {
            for j in (i + 1)..<count {
                var squared = 0.0
                for k in 0..<size {
                    let difference = Double(values[i * size + k]) - Double(values[j * size + k])
                    squared += difference * difference
                }
                total += squared.squareRoot()
            }
        }
        return total / Double(count * (count - 1) / 2) / Double(size).squareRoot()
    }
}
