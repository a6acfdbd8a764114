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
    @inlinable
    public static func forEachChunk(_ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = (count * costPerItem >= 32_768) ? min(threadCount, count) : 1
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

/// Wraps a value that is shared across threads by construction (disjoint writes).
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
