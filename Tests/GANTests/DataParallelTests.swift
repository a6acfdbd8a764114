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
        try Self.expectSameRun(root + "/one", root + "/two", hashLog: root + "/hash")
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

    /// Expects the runs in `one` (one process) and `two` (two) to agree to 1e-4 relative in
    /// every loss and D output at each of 20 steps, and the two ranks' weight hashes logged at
    /// `hashLog` to be the same at every step.
    static func expectSameRun(_ one: String, _ two: String, hashLog: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let single = try losses(one), pair = try losses(two)
        #expect(single.count == 20 && pair.count == 20, sourceLocation: sourceLocation)
        for (step, (a, b)) in zip(single, pair).enumerated() {
            for (x, y) in zip(a, b) {
                #expect(abs(x - y) <= 1e-4 * max(abs(x), abs(y)), "step \(step + 1): \(a) vs \(b)", sourceLocation: sourceLocation)
            }
        }
        let hashes = try (0..<2).map { try String(contentsOfFile: hashLog + ".rank-\($0)", encoding: .utf8) }
        #expect(hashes[0].split(separator: "\n").count == 20, sourceLocation: sourceLocation)
        #expect(hashes[0] == hashes[1], sourceLocation: sourceLocation)
    }

    /// Two "hosts": two network namespaces joined by a veth pair, one rank in each, talking
    /// TCP only (shared memory ruled out with `--mca btl tcp,self`); mpirun starts the remote
    /// rank through an rsh agent that enters the other namespace, as it would ssh. The result
    /// must be the one-process run's, as on one host. Where this machine forbids namespaces
    /// (no CAP_NET_ADMIN), the same run goes over TCP on the loopback interface instead.
    @Test func twoHostsOverTCP() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.mpirun), "Open MPI's mpirun is missing: run scripts/setup")
        let root = Tiny.folder("mpi-hosts")
        let single = try CommandLineTests.run(Self.tinyRun(into: root + "/one"))
        #expect(single.status == 0, "\(single.stderr)")
        let hosts = NamespacePair(folder: root)
        defer { hosts?.remove() }
        let tcpOnly = ["--mca", "btl", "tcp,self"]
        let launcher = hosts.map { $0.launch + tcpOnly } ?? Self.launch + tcpOnly
        let pair = try Self.run(launcher + [CommandLineTests.tool] + Self.tinyRun(into: root + "/two", extra: ["--replica-hash-log", root + "/hash"]))
        #expect(pair.status == 0, "\(pair.stderr)")
        try Self.expectSameRun(root + "/one", root + "/two", hashLog: root + "/hash")
        if hosts != nil {
            // The second rank was started through the agent, in the other namespace.
            let started = (try? String(contentsOfFile: root + "/rsh-agent.log", encoding: .utf8)) ?? ""
            #expect(started.contains("10.77.0.2"), "the agent did not start the second host's daemon")
        } else {
            print("twoHostsOverTCP: this machine forbids network namespaces; the run went over loopback TCP instead")
        }
    }

    /// Replicas whose weights differ stop the run at the first checkpoint, before it is
    /// written (a communicator whose processes never agree stands in for drifted replicas).
    @Test func replicasThatDisagreeStopTheRun() throws {
        final class Disagreeing: Communicator {
            var rank: Int { 0 }
            var size: Int { 1 }
            func sum(_ values: UnsafeMutableBufferPointer<Float>) {}
            func sum(_ values: UnsafeMutableBufferPointer<Double>) {}
            func allAgree(on value: UInt64) -> Bool { false }
        }
        let folder = RunFolder(Tiny.folder("mpi-mismatch") + "/run")
        let run = try TrainingRun.start(model: Tiny.model, training: Tiny.training(), dataset: Tiny.dataset, folder: folder,
                                        overwrite: false, communicator: Disagreeing())
        let error = #expect(throws: ReplicaMismatchError.self) { try run.run { _ in } }
        #expect(error?.step == 3)
        #expect(folder.latestCheckpoint() == nil)
    }

    /// A timeout that would stop every run at once is refused before anything is written.
    @Test func collectiveTimeoutMustBePositive() throws {
        let out = Tiny.folder("mpi-timeout") + "/run"
        try CommandLineTests.expectFailure(["train", "--collective-timeout", "0", "--out", out] + CommandLineTests.tinyTraining,
                                           mentions: "'0' is invalid for '--collective-timeout <collective-timeout>'", mustNotExist: out)
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
    static func signalRankOne(_ signal: Int32, extra: [String]) throws -> (outcome: CommandLineTests.Outcome, seconds: Double, run: RunFolder) {
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
                                         stderr: String(decoding: stderr, as: UTF8.self)), Date().timeIntervalSince(signalled),
                RunFolder(root + "/run"))
    }

    /// A rank killed mid-run: mpirun ends the job within seconds, non-zero, with one line
    /// naming the rank that died.
    @Test func killedRankEndsTheRun() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.mpirun), "Open MPI's mpirun is missing: run scripts/setup")
        let (outcome, seconds, _) = try Self.signalRankOne(SIGKILL, extra: [])
        #expect(outcome.status != 0)
        #expect(seconds < 30, "the job took \(seconds) s to end")
        let lines = (outcome.stdout + outcome.stderr).split(separator: "\n").filter { $0.contains("rank 1") && $0.contains("exited on signal 9") }
        #expect(lines.count == 1, "\(outcome.stderr)")
    }

    /// A stop signal that reaches one rank only (a scheduler signalling its own process): the
    /// processes agree to stop at the same step, rank 0 writes the checkpoint and the metrics of
    /// that step, and the job ends within seconds instead of waiting on a rank that left.
    @Test func aStopSignalToOneRankStopsBothAtTheSameStep() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.mpirun), "Open MPI's mpirun is missing: run scripts/setup")
        // Checkpoints every second step: a stop at an odd step writes one of its own.
        let (outcome, seconds, run) = try Self.signalRankOne(SIGTERM, extra: ["--checkpoint-every", "2"])
        #expect(outcome.status != 0)
        #expect(seconds < 30, "the job took \(seconds) s to end")
        let stopped = outcome.stdout.split(separator: "\n").filter { $0.hasPrefix("stopped at step ") }
        #expect(stopped.count == 1, "\(outcome.stdout)\n\(outcome.stderr)")
        #expect(!outcome.stderr.contains("Error:"), "a stop is no error: \(outcome.stderr)")
        let step = stopped.first.flatMap { Int($0.dropFirst("stopped at step ".count).prefix { $0.isNumber }) } ?? -1
        #expect(run.checkpoints().last?.step == step)
        #expect(MetricsLog.coveredStep(path: run.metricsPath) == step)
    }

    /// A rank that stops answering (SIGSTOP) rather than dying: the other's collective times
    /// out, and it stops with a one-line error naming itself and the timeout.
    @Test func hungRankTimesOut() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.mpirun), "Open MPI's mpirun is missing: run scripts/setup")
        let (outcome, seconds, _) = try Self.signalRankOne(SIGSTOP, extra: ["--collective-timeout", "5"])
        #expect(outcome.status != 0)
        #expect(seconds < 40, "the job took \(seconds) s to end")
        let lines = outcome.stderr.split(separator: "\n").filter { $0.hasPrefix("Error: rank 0 of 2:") }
        #expect(lines.count == 1 && lines[0].contains("waited more than 5 s for the other processes"), "\(outcome.stderr)")
    }
}

/// Two network namespaces, 10.77.0.1 and 10.77.0.2 on the two ends of a veth pair, and an
/// rsh agent that runs mpirun's remote commands in the namespace of the address it is given.
/// Nil where namespaces cannot be made (no `ip`, or not permitted).
struct NamespacePair {
    static let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }
    let names: [String]
    let agent: String

    init?(folder: String) {
        guard let ip = Self.ip else { return nil }
        // Names unique to this test process, so that concurrent runs do not collide.
        let tag = String(ProcessInfo.processInfo.processIdentifier % 100_000)
        names = ["dcgan\(tag)a", "dcgan\(tag)b"]
        agent = folder + "/rsh-agent"
        let script = """
            #!/bin/sh
            host=$1; shift
            echo "$host" >> \(folder)/rsh-agent.log
            case "$host" in 10.77.0.1) ns=\(names[0]) ;; 10.77.0.2) ns=\(names[1]) ;; *) echo "unknown host $host" >&2; exit 1 ;; esac
            exec \(ip) netns exec "$ns" sh -c "$*"

            """
        #expect(FileManager.default.createFile(atPath: agent, contents: Data(script.utf8), attributes: [.posixPermissions: 0o755]))
        let (a, b) = (names[0], names[1]), (vethA, vethB) = ("dcg\(tag)a", "dcg\(tag)b")
        let steps = [["netns", "add", a], ["netns", "add", b], ["link", "add", vethA, "type", "veth", "peer", "name", vethB],
                     ["link", "set", vethA, "netns", a], ["link", "set", vethB, "netns", b],
                     ["-n", a, "addr", "add", "10.77.0.1/24", "dev", vethA], ["-n", b, "addr", "add", "10.77.0.2/24", "dev", vethB],
                     ["-n", a, "link", "set", vethA, "up"], ["-n", b, "link", "set", vethB, "up"],
                     ["-n", a, "link", "set", "lo", "up"], ["-n", b, "link", "set", "lo", "up"]]
        for step in steps where !Self.run(ip, step) {
            remove()
            return nil
        }
    }

    /// mpirun started in the first namespace, with one slot on each "host", out-of-band and
    /// data traffic both on the veth link.
    var launch: [String] {
        [Self.ip!, "netns", "exec", names[0], DataParallelTests.mpirun, "--mca", "plm_rsh_agent", agent, "--host", "10.77.0.1,10.77.0.2",
         "-np", "2", "--mca", "btl_tcp_if_include", "10.77.0.0/24", "--mca", "oob_tcp_if_include", "10.77.0.0/24"]
    }

    /// Deletes both namespaces (and with them the veth pair).
    func remove() {
        guard let ip = Self.ip else { return }
        for name in names { _ = Self.run(ip, ["netns", "del", name]) }
    }

    private static func run(_ tool: String, _ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
