import CDCGANKernels

/// The processor's fp32 fused multiply-add peak, measured, so that a throughput can be read as a
/// share of what the cores can do at most.
public enum ProcessorPeak {
    /// Lanes of the widest fp32 FMA the processor has: 16 (AVX-512), 8 (AVX2), 0 (neither).
    public static var vectorWidth: Int { Int(ck_fma_vector_width()) }

    /// GFLOP/s of `threads` cores: one thread's rate in a register-only loop of independent FMAs
    /// for about `seconds` (an FMA counts as two operations), times `threads`; 0 on a processor
    /// without FMA. Measured rather than computed from the clock because the clock under load
    /// (turbo, shared hosts) is what the kernels get. One thread, because several measuring at
    /// once are at the scheduler's mercy: two put on one core for a moment halve the figure.
    public static func measure(threads: Int, seconds: Double = 0.3) -> Double {
        ck_fma_peak_gflops(seconds) * Double(max(threads, 1))
    }
}
