import DCGANData
import Foundation

/// The files of one training run:
///
///     config.json            every setting, the seed, the tool's version
///     real_samples.png       a grid of training images
///     samples/step-000500.png  the fixed-noise grid every N iterations
///     metrics.csv            one row per iteration
///     checkpoints/step-000500.dcgan  checkpoints every N iterations and at the end
public struct RunFolder {
    /// The folder.
    public let path: String
    /// The run folder at `path` (nothing is created until `create`).
    public init(_ path: String) { self.path = path }

    /// `config.json`: every setting of the run.
    public var configPath: String { path + "/config.json" }
    /// `real_samples.png`: a grid of training images.
    public var realSamplesPath: String { path + "/real_samples.png" }
    /// `metrics.csv`: one row per iteration.
    public var metricsPath: String { path + "/metrics.csv" }
    /// `samples/`: the fixed-noise grids.
    public var samplesFolder: String { path + "/samples" }
    /// `checkpoints/`: the checkpoints.
    public var checkpointsFolder: String { path + "/checkpoints" }

    /// The sample grid of `step` (`samples/step-000100.png`).
    public func samplePath(step: Int) -> String { samplesFolder + "/step-" + padded(step) + ".png" }
    /// The checkpoint of `step` (`checkpoints/step-000200.dcgan`).
    public func checkpointPath(step: Int) -> String { checkpointsFolder + "/step-" + padded(step) + ".dcgan" }

    private func padded(_ step: Int) -> String {
        let digits = String(step)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// Creates the folder and its sub-folders. A folder that already holds a run is refused
    /// unless `overwrite`, so nothing a user made is replaced by accident.
    public func create(overwrite: Bool) throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: configPath) && !overwrite {
            throw DataError(path: path, "already holds a run (pass --overwrite to replace it, or --resume to continue it)")
        }
        do {
            for folder in [path, samplesFolder, checkpointsFolder] {
                try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
        } catch {
            throw DataError(path: path, "cannot create the run folder (\(reason(error)))")
        }
        guard fm.isWritableFile(atPath: path) else { throw DataError(path: path, "the run folder is not writable") }
    }

    /// The checkpoint with the highest step, if any.
    public func latestCheckpoint() -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpointsFolder)) ?? []
        return names.filter { $0.hasPrefix("step-") && $0.hasSuffix(".dcgan") }.sorted().last.map { checkpointsFolder + "/" + $0 }
    }

    private func reason(_ error: Error) -> String {
        ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.localizedDescription ?? error.localizedDescription
    }
}
