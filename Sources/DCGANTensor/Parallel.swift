import Dispatch

/// How many threads the kernels split their work over (the `--threads` option sets it).
public enum Parallelism {
    nonisolated(unsafe) private static var threads = 2

    /// The thread count in use by our own loops and by the GEMM engine.
    public static var threadCount: Int { threads }

    /// Sets the thread count for our loops and the GEMM engine.
    public static func setThreadCount(_ count: Int) {
        threads = max(1, count)
        GEMM.engine.setThreadCount(threads)
    }

    /// Runs `body(range)` over `0..<count` split into contiguous chunks, one per thread,
    /// when the work (`count * costPerItem` elementary operations) is worth the hand-off.
    /// With `serial`, runs on the calling thread (for callers that are already one of the threads).
    @inlinable
    public static func forEachChunk(_ count: Int, costPerItem: Int = 1, serial: Bool = false, _ body: (Range<Int>) -> Void) {
        let chunks = (!serial && count * costPerItem >= 32_768) ? min(threadCount, count) : 1
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = count * chunk / chunks
                let end = count * (chunk + 1) / chunks
                box.value(start..<end)
            }
        }
    }
}

extension Parallelism {
    /// Splits `0..<count` into one contiguous part per thread (at most `count` parts) and runs
    /// `body(part, range)` for each, concurrently: for work whose threads keep private scratch.
    public static func forEachPart(_ count: Int, _ body: (Int, Range<Int>) -> Void) {
        let parts = partCount(count)
        if parts <= 1 {
            if count > 0 { body(0, 0..<count) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                box.value(part, (count * part / parts)..<(count * (part + 1) / parts))
            }
        }
    }

    /// How many parts `forEachPart` makes of `count` items.
    public static func partCount(_ count: Int) -> Int { max(1, min(threadCount, count)) }
}

/// Wraps a value that is shared across threads by construction (disjoint writes).
public struct UncheckedSendable<Value>: @unchecked Sendable {
    /// The wrapped value.
    public let value: Value
    /// Wraps `value`; the caller promises that threads touch disjoint parts of it.
    public init(_ value: Value) { self.value = value }
}
