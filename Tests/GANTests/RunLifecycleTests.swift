import DCGANData
import DCGANKit
import Foundation
import Testing

/// The life of a run folder in the library: checkpoints found by step, the lock, metrics that
/// never lose a row, falling back past damaged checkpoints, `keepLast`, stop requests and
/// the removal of what interrupted writes leave behind.
@Suite struct RunLifecycleTests {
    /// A finished tiny run of `iterations` steps with a checkpoint every 3 (and at the end).
    static func finishedRun(_ name: String, iterations: Int, keepLast: Int? = nil) throws -> RunFolder {
        let folder = RunFolder(Tiny.folder(name))
        var training = Tiny.training(iterations: iterations)
        training.keepLast = keepLast
        try TrainingRun.start(model: Tiny.model, training: training, dataset: Tiny.dataset, folder: folder, overwrite: true).run { _ in }
        return folder
    }

    static func bytes(_ path: String) throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) }

    /// The rows of a metrics log without the throughput columns, which differ between runs.
    static func rows(_ folder: RunFolder) throws -> [String] {
        try String(contentsOfFile: folder.metricsPath, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").prefix(7).joined(separator: ",") }
    }

    static func names(_ folder: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted() }

    @Test func checkpointsAreOrderedByTheStepInTheirName() throws {
        let folder = RunFolder(Tiny.folder("order"))
        try FileManager.default.createDirectory(atPath: folder.checkpointsFolder, withIntermediateDirectories: true)
        for step in [999_999, 5, 1_000_000, 12_345_678] { try Data([1]).write(to: URL(fileURLWithPath: folder.checkpointPath(step: step))) }
        for name in ["step-x.dcgan", "notes.txt", "step-000007.dcgan.partial-1-2", ".step-000009.dcgan.partial-3-4"] {
            try Data([1]).write(to: URL(fileURLWithPath: folder.checkpointsFolder + "/" + name))
        }
        #expect(folder.checkpoints().map(\.step) == [5, 999_999, 1_000_000, 12_345_678])
        #expect(folder.latestCheckpoint() == folder.checkpointsFolder + "/step-12345678.dcgan")
        try folder.removeCheckpoints(keepingNewest: 2)
        #expect(folder.checkpoints().map(\.step) == [1_000_000, 12_345_678])
    }

    @Test func aLockedFolderIsRefusedUntilItsLockIsReleased() throws {
        let path = Tiny.folder("lock")
        let held = try RunLock.acquire(path)
        let message = try #require(#expect(throws: DataError.self) { _ = try RunLock.acquire(path) }).description
        #expect(message.hasPrefix(path + ": is in use by another dcgan process (process \(getpid()))"))
        // Training into it, replacing it and resuming it are all refused while the lock is held.
        #expect(throws: DataError.self) {
            _ = try TrainingRun.start(model: Tiny.model, training: Tiny.training(), dataset: Tiny.dataset, folder: RunFolder(path), overwrite: true)
        }
        #expect(!FileManager.default.fileExists(atPath: RunFolder(path).configPath))
        held.release()
        let run = try TrainingRun.start(model: Tiny.model, training: Tiny.training(), dataset: Tiny.dataset, folder: RunFolder(path), overwrite: false)
        #expect(throws: DataError.self) { _ = try TrainingRun.resume(folder: RunFolder(path)) { _, _ in Tiny.dataset } }
        run.close()
        _ = try RunLock.acquire(path)
    }

    @Test func overwriteRemovesTheOldRunBeforeWriting() throws {
        let folder = try Self.finishedRun("replace", iterations: 9)
        try Data("mine".utf8).write(to: URL(fileURLWithPath: folder.path + "/notes.txt"))
        let run = try TrainingRun.start(model: Tiny.model, training: Tiny.training(iterations: 2), dataset: Tiny.dataset,
                                        folder: folder, overwrite: true)
        #expect(folder.checkpoints().isEmpty)
        #expect(Self.names(folder.path) == [".lock", "checkpoints", "config.json", "metrics.csv", "real_samples.png", "samples"])
        let parent = (folder.path as NSString).deletingLastPathComponent, name = (folder.path as NSString).lastPathComponent
        #expect(!Self.names(parent).contains { $0.hasPrefix("." + name + ".replaced-") })
        try run.run { _ in }
        #expect(folder.checkpoints().map(\.step) == [2])
        #expect(try Self.rows(folder).count == 2)
    }

    @Test func metricsReachTheFileAsTheyHappenAndResumeKeepsEachRowOnce() throws {
        let reference = try Self.finishedRun("rows-whole", iterations: 6)
        let folder = RunFolder(Tiny.folder("rows"))
        let first = try TrainingRun.start(model: Tiny.model, training: Tiny.training(), dataset: Tiny.dataset, folder: folder, overwrite: true)
        // Killed after step 5: the rows of steps 4 and 5 are on disk already, past the checkpoint of step 3.
        try first.run(stopAfter: 5) { _ in }
        first.close()
        #expect(try Self.rows(folder).count == 5)
        let resumed = try TrainingRun.resume(folder: folder) { _, _ in Tiny.dataset }
        #expect(resumed.step == 3 && resumed.resumeNote == nil)
        #expect(try Self.rows(folder) == Array(try Self.rows(reference).prefix(3)))
        try resumed.run { _ in }
        #expect(try Self.rows(folder) == Self.rows(reference))
    }

    /// A log that lost rows past a checkpoint (as the tool once did when killed between the
    /// checkpoint's rename and the metrics' write) resumes from a checkpoint it covers.
    @Test func aMetricsGapMakesTheResumeFallBackToACoveredCheckpoint() throws {
        let reference = try Self.finishedRun("gap-whole", iterations: 9)
        let folder = try Self.finishedRun("gap", iterations: 9)
        let lines = try String(contentsOfFile: folder.metricsPath, encoding: .utf8).split(separator: "\n")
        try (lines.prefix(5).joined(separator: "\n") + "\n" + lines[5].prefix(4)).write(toFile: folder.metricsPath, atomically: true, encoding: .utf8)
        let resumed = try TrainingRun.resume(folder: folder) { _, _ in Tiny.dataset }
        #expect(resumed.step == 3)
        let note = try #require(resumed.resumeNote)
        #expect(note.contains("step-000006.dcgan (metrics.csv has rows up to step 4 only)") && !note.contains("\n"))
        try resumed.run { _ in }
        #expect(try Self.rows(folder) == Self.rows(reference))
        #expect(try Self.bytes(folder.checkpointPath(step: 9)) == Self.bytes(reference.checkpointPath(step: 9)))
    }

    @Test func aDamagedLatestCheckpointFallsBackToTheNewestThatLoads() throws {
        let reference = try Self.finishedRun("damaged-whole", iterations: 9)
        let folder = try Self.finishedRun("damaged", iterations: 9)
        for step in [6, 9] {
            var bytes = try Self.bytes(folder.checkpointPath(step: step))
            bytes[bytes.count / 2] ^= 0x40
            try Data(bytes).write(to: URL(fileURLWithPath: folder.checkpointPath(step: step)))
        }
        let resumed = try TrainingRun.resume(folder: folder) { _, _ in Tiny.dataset }
        #expect(resumed.step == 3)
        #expect(resumed.resumeNote == "resuming from step-000003.dcgan, passing over step-000009.dcgan (checkpoint is damaged (checksum mismatch)), "
                + "step-000006.dcgan (checkpoint is damaged (checksum mismatch))")
        try resumed.run { _ in }
        #expect(try Self.bytes(folder.checkpointPath(step: 9)) == Self.bytes(reference.checkpointPath(step: 9)))
        #expect(try Self.rows(folder) == Self.rows(reference))
        resumed.close()
        // With no checkpoint that loads, the newest one's error is the answer.
        for checkpoint in folder.checkpoints() { try Data([1, 2, 3]).write(to: URL(fileURLWithPath: checkpoint.path)) }
        let message = try #require(#expect(throws: DataError.self) { _ = try TrainingRun.resume(folder: folder) { _, _ in Tiny.dataset } })
        #expect(message.path == folder.checkpointPath(step: 9))
    }

    @Test func keepLastBoundsTheCheckpoints() throws {
        let kept = try Self.finishedRun("keep", iterations: 9, keepLast: 2)
        let all = try Self.finishedRun("keep-all", iterations: 9)
        #expect(kept.checkpoints().map(\.step) == [6, 9])
        #expect(all.checkpoints().map(\.step) == [3, 6, 9])
        #expect(try String(contentsOfFile: kept.configPath, encoding: .utf8).contains("\"keepLast\" : 2"))
        // A resumed run keeps to the setting it recorded.
        try TrainingRun.resume(folder: kept, extendTo: .iterations(12)) { _, _ in Tiny.dataset }.run { _ in }
        #expect(kept.checkpoints().map(\.step) == [9, 12])
    }

    @Test func aStopRequestWritesACheckpointOfTheStepReached() throws {
        let reference = try Self.finishedRun("stop-whole", iterations: 6)
        let folder = RunFolder(Tiny.folder("stop"))
        let run = try TrainingRun.start(model: Tiny.model, training: Tiny.training(), dataset: Tiny.dataset, folder: folder, overwrite: true)
        var asked = 0
        // Before the first scheduled checkpoint (step 3).
        #expect(try run.run(stopRequested: { asked += 1; return asked > 2 }) { _ in } == .stopped)
        #expect(run.step == 2 && run.lastCheckpoint == folder.checkpointPath(step: 2))
        #expect(folder.checkpoints().map(\.step) == [2])
        #expect(try Self.rows(folder).count == 2)
        run.close()
        let resumed = try TrainingRun.resume(folder: folder) { _, _ in Tiny.dataset }
        // A stop before any step writes nothing: the checkpoint it resumed from holds that step.
        #expect(try resumed.run(stopRequested: { true }) { _ in } == .stopped)
        #expect(folder.checkpoints().map(\.step) == [2])
        #expect(try resumed.run { _ in } == .finished)
        #expect(try Self.bytes(folder.checkpointPath(step: 6)) == Self.bytes(reference.checkpointPath(step: 6)))
        #expect(try Self.rows(folder) == Self.rows(reference))
    }

    @Test func leftoversOfInterruptedWritesAreRemovedOnResume() throws {
        let folder = try Self.finishedRun("leftovers", iterations: 3)
        let parent = (folder.path as NSString).deletingLastPathComponent, name = (folder.path as NSString).lastPathComponent
        let leftovers = [folder.checkpointsFolder + "/.step-000006.dcgan.partial-12-34", folder.path + "/.metrics.csv.partial-5-6",
                         folder.samplesFolder + "/.step-000001.png.partial-7-8", folder.path + "/.config.json.partial-9-10"]
        for path in leftovers { try Data([0]).write(to: URL(fileURLWithPath: path)) }
        let aside = parent + "/." + name + ".replaced-1-2"
        try FileManager.default.createDirectory(atPath: aside + "/checkpoints", withIntermediateDirectories: true)
        _ = try TrainingRun.resume(folder: folder) { _, _ in Tiny.dataset }
        for path in leftovers + [aside] { #expect(!FileManager.default.fileExists(atPath: path), "\(path) is left") }
        #expect(folder.checkpoints().map(\.step) == [3])
    }
}
