import DCGANData
import Foundation

/// `metrics.csv`: one row per iteration. Rows are appended in memory and the file is
/// rewritten atomically whenever a checkpoint is written, so the log on disk always matches
/// the latest checkpoint (a resumed run continues it without duplicate rows).
public final class MetricsLog {
    /// The fixed columns, in order; evaluation columns follow them when a run evaluates.
    public static let header = "step,epoch,loss_d,loss_g,d_x,d_g_z1,d_g_z2,images_per_s,data_wait_fraction"
    /// Where the log is written (`metrics.csv` in the run folder).
    public let path: String
    /// Columns after the fixed ones, filled on the rows of steps that were evaluated
    /// (`SampleScores.scalarNames` with `--eval-every`) and empty on the others.
    public let evaluationColumns: [String]
    private var lines: [String]

    /// Starts a new log, or continues the one at `path` keeping rows up to `step` (resume).
    public init(path: String, resumingAt step: Int? = nil, evaluationColumns: [String] = []) throws {
        self.path = path
        self.evaluationColumns = evaluationColumns
        lines = [([MetricsLog.header] + evaluationColumns).joined(separator: ",")]
        guard let step else { return }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw DataError(path: path, "cannot be read to resume the run")
        }
        for line in text.split(separator: "\n").dropFirst() {
            if let first = line.split(separator: ",").first, let rowStep = Int(first), rowStep <= step { lines.append(String(line)) }
        }
    }

    /// Adds the row of `step`; `evaluation` holds the values of `evaluationColumns` on an evaluated step.
    public func append(step: Int, epoch: Int, metrics: StepMetrics, imagesPerSecond: Double, waitFraction: Double,
                       evaluation: [Double]? = nil) {
        let values = [metrics.lossD, metrics.lossG, metrics.dReal, metrics.dFakeBefore, metrics.dFakeAfter]
        let losses = values.map { String(format: "%.6f", Double($0)) }.joined(separator: ",")
        precondition(evaluation.map { $0.count == evaluationColumns.count } ?? true, "one value per evaluation column")
        let scores = evaluation.map { $0.map { String(format: "%.6g", $0) } } ?? Array(repeating: "", count: evaluationColumns.count)
        lines.append((["\(step),\(epoch),\(losses),\(String(format: "%.1f", imagesPerSecond)),\(String(format: "%.4f", waitFraction))"]
                      + scores).joined(separator: ","))
    }

    /// Writes the whole log atomically.
    public func flush() throws {
        try AtomicFile.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: path, overwrite: true)
    }
}
