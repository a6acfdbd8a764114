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
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func sum(_ values: UnsafeMutableBufferPointer<Float>) {}
    public func sum(_ values: UnsafeMutableBufferPointer<Double>) {}
    public func allAgree(on value: UInt64) -> Bool { true }
}
