import DCGANKit
import DCGANTensor
import Foundation
import Testing

/// `dcgan train` processes stopped by signals, killed, run side by side, replaced and resumed
/// from elsewhere: nothing is lost, nothing is mixed.
@Suite(.serialized) struct RunLifecycleCommandTests {
    /// A model small enough that a step takes milliseconds even in a debug build.
    static let tiny = ["--dataset", "fake", "--image-size", "16", "--channels", "1", "--batch-size", "4", "--nz", "8", "--ngf", "4", "--ndf", "4"]

    static var toolIsBuilt: Bool { FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) }

    /// A running tool; its standard output goes to a file (a pipe nobody reads could fill up).
    struct Launched {
        let process: Process
        let stdoutPath: String
        var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }

        /// Waits for the end: the exit status, or 1000 + the signal that killed it.
        func wait() -> Int32 {
            process.waitUntilExit()
            return process.terminationReason == .exit ? process.terminationStatus : 1000 + process.terminationStatus
        }
    }

    static func launch(_ arguments: [String], in directory: String? = nil) throws -> Launched {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTests.tool)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let stdoutPath = Tiny.folder("stdout") + "/out.txt"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle.nullDevice
        try process.run()
        return Launched(process: process, stdoutPath: stdoutPath)
    }

    /// Rows in a metrics log (0 while there is none).
    static func rowCount(_ folder: String) -> Int {
        max(0, ((try? String(contentsOfFile: RunFolder(folder).metricsPath, encoding: .utf8)) ?? "").split(separator: "\n").count - 1)
    }

    /// Waits until the log holds `rows` rows, or the process ends, or 60 s pass.
    static func waitForRows(_ folder: String, _ rows: Int, of launched: Launched) {
        let deadline = Date().addingTimeInterval(60)
        while rowCount(folder) < rows && launched.process.isRunning && Date() < deadline { usleep(2_000) }
    }

    @Test func signalsStopWithACheckpointAndTheConventionalStatus() throws {
        guard Self.toolIsBuilt else { return }
        let folder = Tiny.folder("signals") + "/run"
        var arguments = ["train", "--out", folder, "--iterations", "3000", "--checkpoint-every", "3000", "--sample-every", "0"] + Self.tiny
        for (signal, status) in [(SIGTERM, Int32(143)), (SIGINT, 130), (SIGHUP, 129)] {
            let before = RunFolder(folder).checkpoints().last?.step ?? 0
            let launched = try Self.launch(arguments)
            Self.waitForRows(folder, before + 3, of: launched)
            // What the tool said reaches a file at once, not with the 50th step's progress line.
            #expect(launched.stdout.contains(before == 0 ? "writing to \(folder)" : "resuming \(folder) at step \(before)"))
            kill(launched.process.processIdentifier, signal)
            #expect(launched.wait() == status, "signal \(signal)")
            // The first stop comes before the first scheduled checkpoint: it writes the only one.
            let step = try #require(RunFolder(folder).checkpoints().last?.step)
            #expect(step >= before + 3)
            #expect(Self.rowCount(folder) == step)
            #expect(launched.stdout.contains("stopped at step \(step): checkpoint \(RunFolder(folder).checkpointPath(step: step))"))
            arguments = ["train", "--resume", folder]
        }
        let step = try #require(RunFolder(folder).checkpoints().last?.step)
        let resumed = try CommandLineTests.run(["train", "--resume", folder, "--iterations", "\(step + 2)"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resuming \(folder) at step \(step) of \(step + 2)"))
        #expect(Self.rowCount(folder) == step + 2)
    }

    @Test func aSecondSignalEndsTheProcessAtOnce() throws {
        guard Self.toolIsBuilt else { return }
        let folder = Tiny.folder("second-signal") + "/run"
        // A model whose debug-build step takes about a second, so both signals land in one step.
        let launched = try Self.launch(["train", "--out", folder, "--dataset", "fake", "--image-size", "32", "--channels", "1", "--ngf", "32",
                                        "--ndf", "32", "--batch-size", "16", "--iterations", "1000", "--sample-every", "0"])
        Self.waitForRows(folder, 1, of: launched)
        kill(launched.process.processIdentifier, SIGTERM)
        usleep(50_000)
        kill(launched.process.processIdentifier, SIGINT)
        #expect(launched.wait() == 130)
        // It did not wait for the step to end to write a checkpoint.
        #expect(RunFolder(folder).checkpoints().isEmpty)
        #expect(!launched.stdout.contains("stopped at step"))
    }

    @Test func overwriteLeavesNothingOfTheOldRun() throws {
        guard Self.toolIsBuilt else { return }
        let parent = Tiny.folder("overwrite"), folder = parent + "/R"
        let old = try CommandLineTests.run(["train", "--out", folder, "--iterations", "6", "--checkpoint-every", "2", "--sample-every", "2",
                                            "--keep-last", "2"] + Self.tiny)
        #expect(old.status == 0, "\(old.stderr)")
        #expect(RunFolder(folder).checkpoints().map(\.step) == [4, 6])
        // A relative name of one letter, as a user types it.
        let new = try Self.launch(["train", "--out", "R", "--overwrite", "--seed", "2", "--iterations", "3", "--sample-every", "0"] + Self.tiny,
                                  in: parent)
        #expect(new.wait() == 0)
        #expect(RunFolder(folder).checkpoints().map(\.step) == [3])
        #expect(RunLifecycleTests.names(RunFolder(folder).samplesFolder) == ["step-000003.png"])
        #expect(Self.rowCount(folder) == 3)
        #expect(RunLifecycleTests.names(parent) == ["R"])
        let resumed = try Self.launch(["train", "--resume", "R", "--iterations", "5"], in: parent)
        #expect(resumed.wait() == 0)
        #expect(resumed.stdout.contains("resuming R at step 3 of 5"), "\(resumed.stdout)")
        #expect(try String(contentsOfFile: RunFolder(folder).configPath, encoding: .utf8).contains("\"seed\" : 2"))
    }

    @Test func aSecondProcessIsRefusedWhileARunGoesOn() throws {
        guard Self.toolIsBuilt else { return }
        let folder = Tiny.folder("lock") + "/run"
        let first = try Self.launch(["train", "--out", folder, "--iterations", "3000", "--sample-every", "0"] + Self.tiny)
        Self.waitForRows(folder, 1, of: first)
        let config = try String(contentsOfFile: RunFolder(folder).configPath, encoding: .utf8)
        let refusal = "\(folder): is in use by another dcgan process (process \(first.process.processIdentifier))"
        try CommandLineTests.expectFailure(["train", "--out", folder, "--seed", "7", "--iterations", "2"] + Self.tiny, mentions: refusal)
        try CommandLineTests.expectFailure(["train", "--out", folder, "--overwrite", "--seed", "7", "--iterations", "2"] + Self.tiny, mentions: refusal)
        try CommandLineTests.expectFailure(["train", "--resume", folder], mentions: refusal)
        #expect(try String(contentsOfFile: RunFolder(folder).configPath, encoding: .utf8) == config)
        #expect(first.process.isRunning)
        // The kernel lets the lock go with the process, however it ends.
        kill(first.process.processIdentifier, SIGKILL)
        #expect(first.wait() == 1000 + SIGKILL)
        let replaced = try CommandLineTests.run(["train", "--out", folder, "--overwrite", "--iterations", "2", "--sample-every", "0"] + Self.tiny)
        #expect(replaced.status == 0, "\(replaced.stderr)")
    }

    @Test func aRelativeDataRootResumesFromAnotherDirectory() throws {
        guard Self.toolIsBuilt else { return }
        let root = CommandLineTests.mnistFolder(images: 20, labels: 20)
        let folder = Tiny.folder("relative") + "/run"
        let arguments = ["train", "--dataset", "mnist", "--data-root", (root as NSString).lastPathComponent, "--image-size", "28",
                         "--nz", "8", "--ngf", "4", "--ndf", "4", "--batch-size", "8", "--iterations", "2", "--out", folder]
        let made = try Self.launch(arguments, in: (root as NSString).deletingLastPathComponent)
        #expect(made.wait() == 0)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: RunFolder(folder).configPath))) as? [String: Any]
        #expect((config?["training"] as? [String: Any])?["dataRoot"] as? String == root)
        let resumed = try Self.launch(["train", "--resume", folder, "--iterations", "4"], in: "/")
        #expect(resumed.wait() == 0, "\(resumed.stdout)")
        #expect(Self.rowCount(folder) == 4)
    }

    /// 20 kills at seeded random moments (SIGKILL, SIGTERM or SIGINT; during start-up, steps,
    /// samples and checkpoints alike), each followed by a resume, end exactly where an
    /// uninterrupted run ends: the same final checkpoint, byte for byte, every metrics row
    /// exactly once, and no temporary file left.
    @Test func killedAndResumedTwentyTimesEqualsAnUninterruptedRun() throws {
        guard Self.toolIsBuilt else { return }
        let iterations = 300
        let settings = ["--iterations", "\(iterations)", "--checkpoint-every", "10", "--sample-every", "15", "--log-every", "1000"] + Self.tiny
        let reference = Tiny.folder("soak-whole") + "/run"
        let whole = try CommandLineTests.run(["train", "--out", reference] + settings)
        #expect(whole.status == 0, "\(whole.stderr)")

        let parent = Tiny.folder("soak"), folder = parent + "/run"
        var rng = RandomGenerator(seed: 20)
        var stoppedCleanly = 0
        for attempt in 0..<20 {
            let start = RunFolder(folder).latestCheckpoint() == nil
            // Without a checkpoint (killed too early) the run starts again, replacing what is there.
            let launched = try Self.launch(start ? ["train", "--out", folder, "--overwrite"] + settings : ["train", "--resume", folder])
            let signal = [SIGKILL, SIGTERM, SIGINT][Int(rng.next() % 3)]
            if attempt % 4 == 0 {
                usleep(UInt32(rng.next() % 400_000))  // any moment, start-up included
            } else {
                Self.waitForRows(folder, (RunFolder(folder).checkpoints().last?.step ?? 0) + 1 + Int(rng.next() % 20), of: launched)
                usleep(UInt32(rng.next() % 5_000))
            }
            kill(launched.process.processIdentifier, signal)
            let status = launched.wait()
            // Stopped cleanly, killed (before the handlers were installed, for TERM and INT), or already done.
            #expect([128 + signal, 1000 + signal, 0].contains(status), "attempt \(attempt): status \(status) after signal \(signal)")
            if status == 128 + signal { stoppedCleanly += 1 }
        }
        let last = try CommandLineTests.run(RunFolder(folder).latestCheckpoint() == nil
                                            ? ["train", "--out", folder, "--overwrite"] + settings : ["train", "--resume", folder])
        #expect(last.status == 0, "\(last.stderr)")
        #expect(stoppedCleanly >= 3, "only \(stoppedCleanly) clean stops: the kills missed the training")

        let (a, b) = (RunFolder(reference), RunFolder(folder))
        #expect(try RunLifecycleTests.bytes(a.checkpointPath(step: iterations)) == RunLifecycleTests.bytes(b.checkpointPath(step: iterations)))
        #expect(try RunLifecycleTests.rows(a) == RunLifecycleTests.rows(b))
        #expect(try RunLifecycleTests.rows(b).count == iterations)
        let files = try FileManager.default.subpathsOfDirectory(atPath: parent)
        #expect(!files.contains { $0.contains(".partial-") || $0.contains(".replaced-") }, "\(files.filter { $0.contains(".partial-") })")
    }
}
