import DCGANData
import Foundation

/// The checkpoint a resumed run continues from: the newest one that loads and that
/// `metrics.csv` covers (so that the log has no gap), falling back past damaged ones.
struct ResumePoint {
    let path: String
    let trainer: GANTrainer
    let header: Checkpoint.Header
    /// One line when the newest checkpoint was passed over, saying which and why.
    let note: String?

    static func find(in folder: RunFolder) throws -> ResumePoint {
        let candidates = folder.checkpoints().reversed()
        guard !candidates.isEmpty else { throw DataError(path: folder.checkpointsFolder, "no checkpoint to resume from") }
        let covered = MetricsLog.coveredStep(path: folder.metricsPath)
        var skipped: [String] = []
        var firstError: Error?
        var uncovered: ResumePoint?
        for candidate in candidates {
            let name = (candidate.path as NSString).lastPathComponent
            let loaded: (trainer: GANTrainer, header: Checkpoint.Header)
            do { loaded = try Checkpoint.load(path: candidate.path) } catch {
                firstError = firstError ?? error
                skipped.append("\(name) (\(problem(error)))")
                continue
            }
            guard loaded.header.step <= covered else {
                skipped.append("\(name) (metrics.csv has rows up to step \(covered) only)")
                uncovered = uncovered ?? ResumePoint(path: candidate.path, trainer: loaded.trainer, header: loaded.header, note: nil)
                continue
            }
            return ResumePoint(path: candidate.path, trainer: loaded.trainer, header: loaded.header,
                               note: skipped.isEmpty ? nil : "resuming from \(name), passing over " + skipped.joined(separator: ", "))
        }
        // No checkpoint is covered: the newest that loads, and the rows that cannot come back are named.
        if let uncovered {
            let name = (uncovered.path as NSString).lastPathComponent
            return ResumePoint(path: uncovered.path, trainer: uncovered.trainer, header: uncovered.header,
                               note: "resuming from \(name); metrics.csv lacks the rows of steps \(covered + 1)-\(uncovered.header.step), which cannot be recovered")
        }
        throw firstError ?? DataError(path: folder.checkpointsFolder, "no checkpoint to resume from")
    }

    private static func problem(_ error: Error) -> String {
        (error as? DataError)?.problem ?? "\(error)"
    }
}
