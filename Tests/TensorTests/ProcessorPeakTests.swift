import Foundation
import Testing
import DCGANTensor

/// The FMA peak probe: the vector width it uses is the one the processor reports, and the rate
/// it measures is a plausible upper bound for what a scalar loop reaches.
@Suite struct ProcessorPeakTests {
    /// The flags of the first processor in /proc/cpuinfo.
    static func cpuFlags() throws -> Set<Substring> {
        let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let line = try #require(info.split(separator: "\n").first { $0.hasPrefix("flags") })
        return Set(line.split(separator: ":")[1].split(separator: " "))
    }

    @Test func vectorWidthFollowsTheProcessorFlags() throws {
        let flags = try Self.cpuFlags()
        let expected = flags.contains("avx512f") ? 16 : flags.contains("avx2") && flags.contains("fma") ? 8 : 0
        #expect(ProcessorPeak.vectorWidth == expected)
    }

    @Test func measuredPeakBeatsAScalarLoop() throws {
        try #require(ProcessorPeak.vectorWidth > 0, "this processor has no FMA: nothing to measure")
        let peak = ProcessorPeak.measure(threads: 1, seconds: 0.05)
        // A dependent chain of scalar multiply-adds: one result per FMA latency at best, far below
        // a vector peak of 8 or 16 lanes times two pipes, even on a loaded machine.
        var x: Float = 0.5, operations = 0
        let start = Date()
        repeat {
            for _ in 0..<100_000 { x = x * 0.999_999 + 1e-7 }
            operations += 200_000
        } while Date().timeIntervalSince(start) < 0.05
        let scalar = Double(operations) / Date().timeIntervalSince(start) / 1e9
        #expect(x.isFinite)
        #expect(peak > 2 * scalar, "peak \(peak) GFLOP/s against a scalar chain's \(scalar)")
    }
}
