import DCGANData
import Foundation

/// `metrics.csv`: one row per iteration, appended to the file as it happens (a user tailing it
/// sees every row). A run syncs the log before each checkpoint, so every checkpoint on disk is
/// covered by the rows before it; a resumed run drops the rows past its checkpoint (they are
/// computed again, identically) and keeps the others exactly once.
public final class MetricsLog {
    /// The fixed columns, in order; evaluation columns follow them when a run evaluates, then
    /// `elapsedColumn` in a run with a time budget, and `healthColumn` comes last.
    public static let header = (["step", "epoch"] + stepMetricColumns + ["images_per_s", "data_wait_fraction"]).joined(separator: ",")
    /// The columns of a step's `StepMetrics`, in `append`'s order: loss D, loss G, D(x), D(G(z)) before and after D's update.
    public static let stepMetricColumns = ["loss_d", "loss_g", "d_x", "d_g_z1", "d_g_z2"]
    /// The fixed columns after `step`, as `append` names its values.
    private static let fixedValueColumns = header.split(separator: ",").dropFirst().map(String.init)
    /// Where the log is written (`metrics.csv` in the run folder).
    public let path: String
    /// Columns after the fixed ones, filled on the rows of steps that were evaluated
    /// (`SampleScores.scalarNames` with `--eval-every`) and empty on the others.
    public let evaluationColumns: [String]
    /// The last column: the `TrainingHealth.code` of each step (empty when healthy). Text, so
    /// `append` leaves it out of the numbers it returns (TensorBoard scalars, curves).
    public static let healthColumn = "health"
    /// The column of a run with a time budget: seconds from the start of the process that
    /// trained the step (`TrainingRun.startedAt`) to the step's end.
    public static let elapsedColumn = "elapsed_s"
    /// Whether rows have `elapsedColumn`.
    public let recordsElapsed: Bool
    private var descriptor: Int32 = -1

    /// Starts a new log (`resumingAt` nil), or continues the one at `path` keeping its rows up
    /// to `step`. The kept rows are written back atomically before anything is appended, under
    /// today's columns: a column the old log lacked (health, or `elapsed_s` when a resume gives
    /// the run a time budget) is empty in its rows. With `elapsedColumn`, or when the log
    /// continued has it, rows record `elapsed_s`.
    public init(path: String, resumingAt step: Int? = nil, evaluationColumns: [String] = [], elapsedColumn: Bool = false) throws {
        self.path = path
        self.evaluationColumns = evaluationColumns
        let (oldHeader, rows) = step == nil ? ([], []) : Self.completeRows(path: path)
        recordsElapsed = elapsedColumn || oldHeader.contains(Substring(Self.elapsedColumn))
        let columns = Self.header.split(separator: ",").map(String.init) + evaluationColumns
            + (recordsElapsed ? [Self.elapsedColumn] : []) + [Self.healthColumn]
        let header = columns.joined(separator: ",")
        let kept = rows.filter { $0.step <= step! }.map { row in
            let old = Dictionary(zip(oldHeader.map(String.init), row.line.split(separator: ",", omittingEmptySubsequences: false)),
                                 uniquingKeysWith: { first, _ in first })
            return columns.map { old[$0].map(String.init) ?? "" }.joined(separator: ",")
        }
        try AtomicFile.write(Array(([header] + kept).map { $0 + "\n" }.joined().utf8), to: path, overwrite: true)
        descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else { throw DataError(path: path, "cannot be opened to append to: \(DataError.systemMessage(errno))") }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// The highest step up to which the log at `path` holds a row for every step 1, 2, ... in
    /// order (0 when it holds none or cannot be read): a checkpoint past it would leave a gap.
    public static func coveredStep(path: String) -> Int {
        var covered = 0
        for row in completeRows(path: path).rows {
            if row.step == covered + 1 { covered += 1 } else if row.step > covered + 1 { break }
        }
        return covered
    }

    /// Appends the row of one iteration to the file; `evaluation` holds the values of
    /// `evaluationColumns` on an evaluated step, `elapsedSeconds` the value of `elapsedColumn`
    /// (written only when the log `recordsElapsed`), `health` the step's health code. Returns the
    /// row's numbers under their column names (all but `step` and `health`; the evaluation
    /// columns only when evaluated).
    @discardableResult
    public func append(step: Int, epoch: Int, metrics: StepMetrics, imagesPerSecond: Double, waitFraction: Double,
                       evaluation: [Double]? = nil, elapsedSeconds: Double = 0, health: String = "") throws -> [(name: String, value: Double)] {
        let values = [metrics.lossD, metrics.lossG, metrics.dReal, metrics.dFakeBefore, metrics.dFakeAfter]
        let losses = values.map { String(format: "%.6f", Double($0)) }.joined(separator: ",")
        precondition(evaluation.map { $0.count == evaluationColumns.count } ?? true, "one value per evaluation column")
        let scores = evaluation.map { $0.map { String(format: "%.6g", $0) } } ?? Array(repeating: "", count: evaluationColumns.count)
        let line = (["\(step),\(epoch),\(losses),\(String(format: "%.1f", imagesPerSecond)),\(String(format: "%.4f", waitFraction))"]
                    + scores + (recordsElapsed ? [String(format: "%.3f", elapsedSeconds)] : []) + [health]).joined(separator: ",") + "\n"
        // Written at once: a killed process leaves whole rows (and at worst one cut short,
        // which `completeRows` ignores), never rows held back in a buffer.
        try Array(line.utf8).withUnsafeBytes { try AtomicFile.writeAll($0, to: descriptor, path: path) }
        let row = zip(Self.fixedValueColumns, [Double(epoch)] + values.map(Double.init) + [imagesPerSecond, waitFraction])
        return Array(row) + zip(evaluationColumns, evaluation ?? []) + (recordsElapsed ? [(Self.elapsedColumn, elapsedSeconds)] : [])
    }

    /// The rows of a metrics.csv text up to `step`, each with its fields by column name; rows
    /// whose field count is not the header's, or whose step does not parse, are skipped.
    public static func rows(csv: String, upTo step: Int) -> [(step: Int, fields: [String: Substring])] {
        let lines = csv.split(separator: "\n")
        guard let header = lines.first?.split(separator: ",").map(String.init), header.first == "step" else { return [] }
        return lines.dropFirst().compactMap { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == header.count, let rowStep = Int(fields[0]), rowStep <= step else { return nil }
            return (rowStep, Dictionary(zip(header, fields), uniquingKeysWith: { first, _ in first }))
        }
    }

    /// The step metrics of a row that `rows` read, or nil when one of them is missing or not a number.
    public static func stepMetrics(_ fields: [String: Substring]) -> StepMetrics? {
        let values = stepMetricColumns.compactMap { fields[$0].flatMap { Float($0) } }
        guard values.count == stepMetricColumns.count else { return nil }
        return StepMetrics(lossD: values[0], lossG: values[1], dReal: values[2], dFakeBefore: values[3], dFakeAfter: values[4])
    }

    /// Makes the rows appended so far durable (before a checkpoint that they cover is written).
    public func flush() throws {
        guard fsync(descriptor) == 0 else { throw DataError(path: path, "fsync failed: \(DataError.systemMessage(errno))") }
    }

    /// The rows of the log at `path` that end with a newline and have every column of its
    /// header line, each step once (the first row of a step wins), and that header's columns.
    private static func completeRows(path: String) -> (header: [Substring], rows: [(step: Int, line: String)]) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return ([], []) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let header = lines.first.map { $0.split(separator: ",") } ?? []
        let columns = header.count
        var rows: [(step: Int, line: String)] = []
        var seen = Set<Int>()
        for line in lines.dropFirst().dropLast() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == columns, let step = Int(fields[0]), seen.insert(step).inserted else { continue }
            rows.append((step, String(line)))
        }
        return (header, rows)
    }
}
