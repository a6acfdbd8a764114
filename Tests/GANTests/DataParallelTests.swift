import DCGANKit
import Foundation
import Testing

/// `mpirun -np 2 dcgan train`: the built tool over two MPI processes on this machine.
@Suite(.serialized) struct DataParallelTests {
    static let mpirun = "/usr/bin/mpirun"
    /// `--oversubscribe`: two processes may share fewer cores (CI machines have two).
    static let launch = [mpirun, "--oversubscribe", "-np", "2"]

    /// Options of a tiny 20-step run with synchronised BatchNorm and one thread per process.
    static func tinyRun(into folder: String, extra: [String] = []) -> [String] {
        ["train", "--dataset", "fake", "--nz", "8", "--ngf", "4", "--ndf", "4", "--batch-size", "8", "--iterations", "20", "--seed", "3",
         "--sample-every", "0", "--checkpoint-every", "5", "--threads", "1", "--sync-batch-norm", "--out", folder] + extra
    }

    /// Starts `arguments[0]` with the rest; Open MPI refuses to run as root (containers, CI)
    /// unless told twice.
    static func start(_ arguments: [String]) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]) { _, new in new }
        let out = Pipe(), err = Pipe()
        (process.standardOutput, process.standardError) = (out, err)
        try process.run()
        return (process, out, err)
    }

    static func run(_ arguments: [String]) throws -> CommandLineTests.Outcome {
        let (process, out, err) = try start(arguments)
        let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandLineTests.Outcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                                        stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// The loss and D-output columns of a run's metrics.csv, one row per step.
    static func losses(_ folder: String) throws -> [[Double]] {
        try String(contentsOfFile: folder + "/metrics.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",")[2...6].map { Double($0)! } }
    }

    /// The same global batch and seed over one process and over two give the same run: losses
    /// equal to 1e-4 relative for 20 steps, and the two replicas' weights bit-identical after
    /// every step (their hashes, logged by each process, agree line by line).
    @Test func twoProcessesTrainAsOne() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.mpirun), "Open MPI's mpirun is missing: run scripts/setup")
        let root = Tiny.folder("mpi")
        let single = try CommandLineTests.run(Self.tinyRun(into: root + "/one"))
        #expect(single.status == 0, "\(single.stderr)")
        let pair = try Self.run(Self.launch + [CommandLineTests.tool] + Self.tinyRun(into: root + "/two", extra: ["--replica-hash-log", root + "/hash"]))
        #expect(pair.status == 0, "\(pair.stderr)")
        #expect(pair.stdout.contains("over 2 processes"))
        let one = try Self.losses(root + "/one"), two = try Self.losses(root + "/two")
        #expect(one.count == 20 && two.count == 20)
        for (step, (a, b)) in zip(one, two).enumerated() {
            for (x, y) in zip(a, b) {
                #expect(abs(x - y) <= 1e-4 * max(abs(x), abs(y)), "step \(step + 1): \(a) vs \(b)")
            }
        }
        let hashes = try (0..<2).map { try String(contentsOfFile: root + "/hash.rank-\($0)", encoding: .utf8) }
        #expect(hashes[0].split(separator: "\n").count == 20)
        #expect(hashes[0] == hashes[1])
        // Rank 0 alone wrote the run folder, and recorded the process count for --resume.
        let config = try String(contentsOfFile: root + "/two/config.json", encoding: .utf8)
        #expect(config.contains("\"processes\" : 2") && config.contains("\"syncBatchNorm\" : true"))

        // Resuming needs the same number of processes, and says so otherwise.
        try CommandLineTests.expectFailure(["train", "--resume", root + "/two", "--iterations", "22"],
                                           mentions: "trained with 2 processes and this run has 1; resume it with mpirun -np 2")
        let resumed = try Self.run(Self.launch + [CommandLineTests.tool, "train", "--resume", root + "/two", "--iterations", "22"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(FileManager.default.fileExists(atPath: root + "/two/checkpoints/step-000022.dcgan"))
    }

    /// The process ids of the two ranks of a job that `mpirun` (pid `launcher`) started.
    static func ranks(of launcher: Int32) -> [Int: Int32] {
        var found: [Int: Int32] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let parent = stat.split(separator: ")").last?.split(separator: " ").dropFirst().first, Int32(parent) == launcher,
                  let environment = FileManager.default.contents(atPath: "/proc/\(name)/environ") else { continue }
            for entry in environment.split(separator: 0) where entry.starts(with: Array("OMPI_COMM_WORLD_RANK=".utf8)) {
                found[Int(String(decoding: entry.dropFirst(21), as: UTF8.self))!] = pid
            }
        }
        return found
    }

    /// Starts a long two-process run, waits until both processes are training (rank 0 has
    /// written the checkpoint of step 2, which needs both), sends `signal` to rank 1, and
    /// returns the job's outcome and how long it took to end after the signal.
    static func signalRankOne(_ signal: Int32, extra: [String]) throws -> (outcome: CommandLineTests.Outcome, seconds: Double) {
        let root = Tiny.folder("mpi-fault")
        let arguments = tinyRun(into: root + "/run", extra: ["--iterations", "100000", "--checkpoint-every", "1"] + extra)
        let (process, out, err) = try start(launch + [CommandLineTests.tool] + arguments)
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: root + "/run/checkpoints/step-000002.dcgan") && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let rankOne = ranks(of: process.processIdentifier)[1]
        #expect(rankOne != nil, "rank 1 of the job not found")
        if let rankOne { kill(rankOne, signal) }
        let signalled = Date()
        // Reading to the end waits for the job to end; a hang would show here as a test that never ends.
        let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (CommandLineTests.Outcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                                         stderr: String(decoding: stderr, as: UTF8.self)), Date().timeIntervalSince(signalled))
    }

    /// A rank killed mid-run: mpirun ends the job within seconds, non-zero, with one line
    /// naming the rank that died.
    @Test func killedRankEndsTheRun() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.mpirun), "Open MPI's mpirun is missing: run scripts/setup")
        let (outcome, seconds) = try Self.signalRankOne(SIGKILL, extra: [])
        #expect(outcome.status != 0)
        #expect(seconds < 30, "the job took \(seconds) s to end")
        let lines = (outcome.stdout + outcome.stderr).split(separator: "\n").filter { $0.contains("rank 1") && $0.contains("exited on signal 9") }
        #expect(lines.count == 1, "\(outcome.stderr)")
    }

    /// A rank that stops answering (SIGSTOP) rather than dying: the other's collective times
    /// out, and it stops with a one-line error naming itself and the timeout.
    @Test func hungRankTimesOut() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.mpirun), "Open MPI's mpirun is missing: run scripts/setup")
        let (outcome, seconds) = try Self.signalRankOne(SIGSTOP, extra: ["--collective-timeout", "5"])
        #expect(outcome.status != 0)
        #expect(seconds < 40, "the job took \(seconds) s to end")
        let lines = outcome.stderr.split(separator: "\n").filter { $0.hasPrefix("Error: rank 0 of 2:") }
        #expect(lines.count == 1 && lines[0].contains("waited more than 5 s for the other processes"), "\(outcome.stderr)")
    }
}
