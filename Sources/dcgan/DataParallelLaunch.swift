import DCGANData
import DCGANKit
import Foundation

/// The processes `dcgan train` runs over: the MPI job when an MPI launcher started this
/// process, otherwise this process alone (MPI is then never initialised).
enum DataParallelLaunch {
    static func communicator(timeout: Double) throws -> Communicator {
        guard MPICommunicator.isLaunchedByMPI else { return SingleProcess() }
        let communicator = MPICommunicator(timeout: timeout) { message in
            FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
            exit(1)
        }
        // Rank 0 reports progress; the others would only repeat it. Errors stay on stderr for all.
        if communicator.rank != 0 {
            let null = open("/dev/null", O_WRONLY)
            dup2(null, STDOUT_FILENO)
            close(null)
        }
        return communicator
    }
}

/// `--replica-hash-log`: each process writes the hash of its weights after every step to
/// PATH.rank-R, so that a test can see that the replicas stay bit-identical step by step.
final class ReplicaHashLog {
    private let path: String
    private var lines: [String] = []

    init(path: String, rank: Int) { self.path = "\(path).rank-\(rank)" }

    func record(step: Int, trainer: GANTrainer) { lines.append("\(step) \(String(trainer.replicaHash, radix: 16))") }

    func write() throws { try AtomicFile.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: path, overwrite: true) }
}
