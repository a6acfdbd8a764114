import CDCGANKernels
import Foundation

/// The processor's fp32 fused multiply-add peak, measured, so that a throughput can be read as a
/// share of what the cores can do at most.
public enum ProcessorPeak {
    /// Lanes of the widest fp32 FMA the processor has: 16 (AVX-512), 8 (AVX2), 0 (neither).
    public static var vectorWidth: Int { Int(ck_fma_vector_width()) }

    /// GFLOP/s of `threads` threads running a register-only loop of independent FMAs at the same
    /// time for about `seconds` (an FMA counts as two operations), summed over the threads; 0 on
    /// a processor without FMA. Measured rather than computed from the clock because the clock
    /// under load (turbo, shared hosts) is what the kernels get.
    public static func measure(threads: Int, seconds: Double = 0.3) -> Double {
        let rates = UncheckedSendable(UnsafeMutableBufferPointer<Double>.allocate(capacity: max(threads, 1)))
        defer { rates.value.deallocate() }
        DispatchQueue.concurrentPerform(iterations: max(threads, 1)) { thread in
            rates.value[thread] = ck_fma_peak_gflops(seconds)
        }
        return rates.value.reduce(0, +)
    }
}
