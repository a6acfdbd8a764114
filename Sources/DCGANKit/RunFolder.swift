import DCGANData
import Foundation

/// The files of one training run:
///
///     config.json            every setting, the seed, the tool's version
///     real_samples.png       a grid of training images
///     samples/step-000500.png  the fixed-noise grid every N iterations
///     metrics.csv            one row per iteration
///     training_curves.png    the losses and D's outputs against the step, redrawn with each sample grid
///     events.out.tfevents.*  TensorBoard's event file: every metric and sample grid (unless turned off)
///     checkpoints/step-000500.dcgan  checkpoints every N iterations and at the end
///     .lock                  the lock a training process holds (`RunLock`)
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
    /// `training_curves.png`: the losses and D's outputs against the step.
    public var curvesPlotPath: String { path + "/training_curves.png" }
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

    /// Whether the folder holds (part of) a run: a configuration or a checkpoint.
    public var holdsRun: Bool { FileManager.default.fileExists(atPath: configPath) || !checkpoints().isEmpty }

    /// Creates the folder and its sub-folders for a new run and locks it (`RunLock`). A folder
    /// that already holds a run is refused unless `overwrite`, so nothing a user made is
    /// replaced by accident; with `overwrite` the old run is moved aside in one rename and
    /// removed before the new run writes anything (a folder without `checkpoints/`, which
    /// `dcgan train` did not make, is written into instead). Leftovers of interrupted writes are removed.
    public func create(overwrite: Bool) throws -> RunLock {
        try makeFolder(path)
        var lock = try RunLock.acquire(path)
        if holdsRun {
            guard overwrite else {
                throw DataError(path: path, "already holds a run (pass --overwrite to replace it, or --resume to continue it)")
            }
            if FileManager.default.fileExists(atPath: checkpointsFolder) { lock = try replaceWithEmptyFolder(holding: lock) }
        }
        try makeFolder(samplesFolder)
        try makeFolder(checkpointsFolder)
        guard FileManager.default.isWritableFile(atPath: path) else { throw DataError(path: path, "the run folder is not writable") }
        removeLeftovers()
        return lock
    }

    /// Locks the folder of an existing run to continue it, and removes leftovers of
    /// interrupted writes.
    public func lockForResume() throws -> RunLock {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
            throw DataError(path: path, "is not a run folder (no such folder)")
        }
        let lock = try RunLock.acquire(path)
        removeLeftovers()
        return lock
    }

    /// Every checkpoint in the folder with its step, oldest first. The step is read from the
    /// name, so the order holds beyond the six digits of padding.
    public func checkpoints() -> [(step: Int, path: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpointsFolder)) ?? []
        return names.compactMap { name in
            guard name.hasPrefix("step-"), name.hasSuffix(".dcgan"),
                  let step = Int(name.dropFirst(5).dropLast(6)), step >= 0 else { return nil }
            return (step, checkpointsFolder + "/" + name)
        }.sorted { $0.step < $1.step }
    }

    /// The checkpoint with the highest step, if any.
    public func latestCheckpoint() -> String? { checkpoints().last?.path }

    /// Removes all but the newest `count` checkpoints.
    public func removeCheckpoints(keepingNewest count: Int) throws {
        for old in checkpoints().dropLast(count) {
            guard unlink(old.path) == 0 || errno == ENOENT else {
                throw DataError(path: old.path, "cannot remove an old checkpoint: \(DataError.systemMessage(errno))")
            }
        }
    }

    /// Removes what interrupted runs leave: temporary files of `AtomicFile` (`.NAME.partial-*`)
    /// in the folder and its sub-folders, and old runs moved aside by an interrupted
    /// `--overwrite`. Only called with the folder locked, so no live writer owns them.
    private func removeLeftovers() {
        let fm = FileManager.default
        for folder in [path, samplesFolder, checkpointsFolder] {
            for name in (try? fm.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(".") && name.contains(".partial-") {
                try? fm.removeItem(atPath: folder + "/" + name)
            }
        }
        let parts = PathParts(path), parent = parts.folder, name = parts.name
        let asidePrefix = "." + name + ".replaced-"
        for sibling in (try? fm.contentsOfDirectory(atPath: parent)) ?? [] where sibling.hasPrefix(asidePrefix) {
            try? fm.removeItem(atPath: parent + "/" + sibling)
        }
    }

    /// Moves the locked folder aside (one rename to a hidden sibling, so readers see the old
    /// run or none), makes and locks an empty one in its place, then removes the old run.
    private func replaceWithEmptyFolder(holding old: RunLock) throws -> RunLock {
        let parts = PathParts(path), parent = parts.folder, name = parts.name
        let aside = parent + "/." + name + ".replaced-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        guard rename(path, aside) == 0 else {
            throw DataError(path: path, "cannot move the old run aside to replace it: \(DataError.systemMessage(errno))")
        }
        defer { old.release() }
        let lock: RunLock
        do {
            try makeFolder(path)
            lock = try RunLock.acquire(path)
        } catch {
            try? FileManager.default.removeItem(atPath: aside)
            throw error
        }
        do { try FileManager.default.removeItem(atPath: aside) } catch {
            throw DataError(path: aside, "cannot remove the replaced run: \(reason(error))")
        }
        return lock
    }

    private func makeFolder(_ folder: String) throws {
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw DataError(path: path, "cannot create the run folder (\(reason(error)))")
        }
    }

    private func reason(_ error: Error) -> String {
        ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.localizedDescription ?? error.localizedDescription
    }
}
