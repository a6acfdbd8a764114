import Dispatch

/// Per-layer timings for `dcgan bench --profile`: when enabled, every `Sequential` times each
/// of its layers' forward and backward calls. Off by default, so it costs one branch per layer.
public enum LayerProfiler {
    /// One row of the profile: a layer in a network, one pass.
    public struct Entry: Sendable {
        /// The network's name (`G`, `D`).
        public var network: String
        /// Position of the layer in its network.
        public var index: Int
        /// The layer's kind (`Conv2d`, `BatchNorm`, ...).
        public var layer: String
        /// `forward` or `backward`.
        public var pass: String
        /// Wall-clock seconds spent in all calls.
        public var seconds = 0.0
        /// Number of calls timed.
        public var calls = 0
        /// Floating-point operations of all calls (forward estimates; backward counts twice that).
        public var flops = 0.0
    }

    /// Whether `Sequential` times its layers (set before training starts, not during).
    nonisolated(unsafe) public static var isEnabled = false
    nonisolated(unsafe) private static var entries: [String: Entry] = [:]

    /// All rows, in network, layer, pass order.
    public static var report: [Entry] {
        entries.values.sorted { ($0.network, $0.index, $0.pass) < ($1.network, $1.index, $1.pass) }
    }

    /// Forgets every row recorded so far.
    public static func reset() { entries = [:] }

    /// Runs `body`, adding its duration to the row for (network, index, pass) when enabled.
    @inline(__always)
    static func measure<T>(_ network: String, _ index: Int, _ layer: Layer, _ pass: String, flops: @autoclosure () -> Double,
                           _ body: () -> T) -> T {
        guard isEnabled else { return body() }
        let start = DispatchTime.now().uptimeNanoseconds
        let result = body()
        let key = "\(network)#\(index)#\(pass)"
        var entry = entries[key] ?? Entry(network: network, index: index, layer: layer.kindName, pass: pass)
        entry.seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        entry.calls += 1
        entry.flops += flops()
        entries[key] = entry
        return result
    }
}
