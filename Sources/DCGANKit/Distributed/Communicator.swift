/// The processes that train one model together (data parallelism): each holds a replica of
/// both networks and a share of every batch, and they sum what must be global (gradients,
/// BatchNorm statistics, reported losses) through these collectives. Every process must call
/// them in the same order with buffers of the same length.
public protocol Communicator: AnyObject {
    /// This process's index in 0..<size; rank 0 alone writes the run folder.
    var rank: Int { get }
    /// How many processes share the training (P).
    var size: Int { get }
    /// Sums `values` element by element over all processes, in place; all get the same result.
    func sum(_ values: UnsafeMutableBufferPointer<Float>)
    /// As `sum` for Float, in Double (BatchNorm's statistics).
    func sum(_ values: UnsafeMutableBufferPointer<Double>)
    /// Whether every process passed the same value.
    func allAgree(on value: UInt64) -> Bool
}

/// Training in this process alone, as without `mpirun`: every collective is the identity.
public final class SingleProcess: Communicator {
    /// This process alone.
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func sum(_ values: UnsafeMutableBufferPointer<Float>) {}
    public func sum(_ values: UnsafeMutableBufferPointer<Double>) {}
    public func allAgree(on value: UInt64) -> Bool { true }
}

extension Communicator {
    /// Runs `work` (writing the run folder) on rank 0 only; every process then learns whether
    /// it succeeded, so that a failure there stops all of them rather than leaving the others
    /// waiting for it in the first step.
    func onRankZero(_ work: () throws -> Void) throws {
        var failure: Error?
        if rank == 0 {
            do { try work() } catch { failure = error }
        }
        let succeeded = size == 1 || allAgree(on: failure == nil ? 0 : 1)
        if let failure { throw failure }
        if !succeeded { throw ConfigError("rank 0 could not prepare the run folder (its message says why)") }
    }

    /// Whether `local` holds in any process (each passes its own): so that processes stop
    /// together at the same step when a signal reaches some of them.
    public func anyProcess(_ local: Bool) -> Bool {
        guard size > 1 else { return local }
        var flag: [Float] = [local ? 1 : 0]
        flag.withUnsafeMutableBufferPointer { sum($0) }
        return flag[0] > 0
    }

    /// A run resumes with as many processes as it was trained with: the batch each one
    /// takes, and with per-process BatchNorm the statistics, depend on their number.
    func checkCanResume(_ folder: String, trainedWith processes: Int) throws {
        guard processes != size else { return }
        throw ConfigError("\(folder) was trained with \(processes) process\(processes == 1 ? "" : "es") and this run has \(size); "
                          + (processes == 1 ? "resume it without mpirun" : "resume it with mpirun -np \(processes)"))
    }
}
