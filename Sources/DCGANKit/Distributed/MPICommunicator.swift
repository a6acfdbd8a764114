import CDCGANMPI
import Foundation

/// The processes of an MPI job (`mpirun -np P dcgan train ...`), over Open MPI's collectives.
///
/// Errors are returned rather than fatal (MPI_ERRORS_RETURN), so a collective that fails
/// because a peer has gone away ends in `onFailure` with one line naming the rank and the
/// operation; a watchdog ends a collective that waits longer than `timeout` the same way, so
/// a peer that hangs rather than dies cannot hang the others.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    /// The longest a collective may take before the job is declared broken.
    public let timeout: Double
    private let onFailure: (String) -> Never
    private let watchdog: CollectiveWatchdog

    /// Whether an MPI launcher (Open MPI's mpirun, or a PMIx launcher such as Slurm's srun)
    /// started this process. Without one there is no job to join: the tool runs alone without
    /// initialising MPI at all, exactly as a build without MPI would.
    public static var isLaunchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMIX_RANK"] != nil
    }

    /// Joins the job (MPI_Init). `onFailure` receives a one-line reason when a collective
    /// fails or times out, and must end the process.
    public init(timeout: Double = 300, onFailure: @escaping @Sendable (String) -> Never) {
        var provided: Int32 = 0
        // Only the main thread calls MPI (the data loader and the kernels' threads never do).
        MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
        let world = dcgan_mpi_comm_world()
        MPI_Comm_set_errhandler(world, dcgan_mpi_errors_return())
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(world, &rank)
        MPI_Comm_size(world, &size)
        (self.rank, self.size, self.timeout, self.onFailure) = (Int(rank), Int(size), timeout, onFailure)
        let prefix = "rank \(rank) of \(size)"
        watchdog = CollectiveWatchdog(timeout: timeout) { operation in
            onFailure("\(prefix): \(operation) waited more than \(Int(timeout)) s for the other processes (one has stopped or hangs); stopping")
        }
    }

    /// Leaves the job (MPI_Finalize) after a run that ended well on every process.
    public func finish() { MPI_Finalize() }

    public func sum(_ values: UnsafeMutableBufferPointer<Float>) {
        allReduce(values.baseAddress, values.count, dcgan_mpi_float(), dcgan_mpi_sum(), "an all-reduce of \(values.count) floats")
    }

    public func sum(_ values: UnsafeMutableBufferPointer<Double>) {
        allReduce(values.baseAddress, values.count, dcgan_mpi_double(), dcgan_mpi_sum(), "an all-reduce of \(values.count) doubles")
    }

    public func allAgree(on value: UInt64) -> Bool {
        var low = value, high = value
        allReduce(&low, 1, dcgan_mpi_uint64(), dcgan_mpi_min(), "checking that the processes agree")
        allReduce(&high, 1, dcgan_mpi_uint64(), dcgan_mpi_max(), "checking that the processes agree")
        return low == high
    }

    private func allReduce(_ buffer: UnsafeMutableRawPointer?, _ count: Int, _ type: MPI_Datatype, _ operation: MPI_Op,
                           _ what: String) {
        guard count > 0 else { return }
        watchdog.begin(what)
        let code = MPI_Allreduce(dcgan_mpi_in_place(), buffer, Int32(count), type, operation, dcgan_mpi_comm_world())
        watchdog.end()
        guard code == MPI_SUCCESS else {
            var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
            var length: Int32 = 0
            MPI_Error_string(code, &text, &length)
            let reason = String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            onFailure("rank \(rank) of \(size): \(what) failed (\(reason)): another process of the job has stopped")
        }
    }
}

/// Ends a collective that has waited longer than a timeout: a background thread checks once
/// a second whether the collective in flight began too long ago.
private final class CollectiveWatchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var current: (operation: String, started: Double)?

    init(timeout: Double, expired: @escaping @Sendable (String) -> Never) {
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 1)
                lock.lock()
                let late = current.flatMap { ProcessInfo.processInfo.systemUptime - $0.started > timeout ? $0.operation : nil }
                lock.unlock()
                if let late { expired(late) }
            }
        }
        thread.name = "dcgan.mpi-watchdog"
        thread.start()
    }

    func begin(_ operation: String) {
        lock.lock(); current = (operation, ProcessInfo.processInfo.systemUptime); lock.unlock()
    }

    func end() { lock.lock(); current = nil; lock.unlock() }
}
