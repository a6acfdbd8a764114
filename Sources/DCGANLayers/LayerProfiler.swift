import Dispatch

/// Per-layer timings for `dcgan bench --profile`: when enabled, every `Sequential` times each
/// of its layers' forward and backward calls. Off by default, so it costs one branch per layer.
public enum LayerProfiler {
    /// One row of the profile: a layer in a network, one pass.
    public struct Entry: Sendable {
        public var network: String
        public var index: Int
        public var layer: String
        public var pass: String
        public var seconds = 0.0
        public var calls = 0
        public var flops = 0.0
    }

    nonisolated(unsafe) public static var isEnabled = false
    nonisolated(unsafe) private static var entries: [String: Entry] = [:]

    /// All rows, in network, layer, pass order.
    public static var report: [Entry] {
        entries.values.sorted { ($0.network, $0.index, $0.pass) < ($1.network, $1.index, $1.pass) }
    }

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
