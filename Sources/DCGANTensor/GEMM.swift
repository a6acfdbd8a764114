import CDCGANBLAS
import CDCGANKernels
import Dispatch

/// The one interface that matrix products go through. Another backend (oneDNN, Accelerate,
/// a GPU) replaces `GEMM.engine` without any layer knowing.
///
/// Computes C = alpha * op(A) * op(B) + beta * C for row-major matrices, where op(A) is
/// m x k and op(B) is k x n; lda/ldb/ldc are row strides.
public protocol GEMMEngine: Sendable {
    /// C = alpha * op(A) * op(B) + beta * C (see the protocol), split over the engine's threads.
    func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
               alpha: Float, a: UnsafePointer<Float>, lda: Int,
               b: UnsafePointer<Float>, ldb: Int,
               beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int)
    /// The same product on the calling thread only (for callers that split work themselves).
    func sgemmSerial(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                     alpha: Float, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int)
    /// Sets how many threads `sgemm` may use (engines that split over `Parallelism`'s threads ignore it).
    func setThreadCount(_ count: Int)
}

/// The engine registry.
public enum GEMM {
    /// The engine every kernel uses. Set it once at start-up, before any training.
    nonisolated(unsafe) public static var engine: any GEMMEngine = fastestEngine()

    /// OpenBLAS when it runs AVX-512 kernels of its own (or the processor has none), else this
    /// package's AVX-512 kernel: OpenBLAS may be pinned to older kernels (`OPENBLAS_CORETYPE`)
    /// or predate the processor, and then runs at half speed. Measured on Zen 5: OpenBLAS's
    /// AVX-512 kernels are about 10% faster than ours, its AVX2 kernels 20-40% slower.
    public static func fastestEngine() -> any GEMMEngine {
        let core = String(cString: openblas_get_corename()).lowercased()
        let openBLASHasAVX512 = ["skylakex", "cooperlake", "sapphirerapids", "zen4", "zen5"].contains(core)
        if !openBLASHasAVX512, let ours = AVX512Engine() { return ours }
        return OpenBLASEngine()
    }

    /// `multiply` on the calling thread only.
    @inlinable
    public static func multiplySerial(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                                      alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                                      b: UnsafePointer<Float>, ldb: Int,
                                      beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        engine.sgemmSerial(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                           b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    /// Convenience entry point forwarding to `engine`.
    @inlinable
    public static func multiply(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                                alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                                b: UnsafePointer<Float>, ldb: Int,
                                beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        engine.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                     b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

/// SGEMM through OpenBLAS's CBLAS interface.
///
/// OpenBLAS runs single-threaded and the product is split over our own threads (see
/// `splitOverThreads`): OpenBLAS's own worker threads spin after every call, and on a machine
/// with as many threads as cores that spinning starves the convolution loops that run between
/// the products (measured: 20% of a training step).
public struct OpenBLASEngine: GEMMEngine {
    /// The engine; sets OpenBLAS to one thread of its own (the product is split over ours).
    public init() { openblas_set_num_threads(1) }

    public func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                      alpha: Float, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        splitOverThreads(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
            self.sgemmSerial(transA: $0, transB: $1, m: $2, n: $3, k: $4, alpha: $5, a: $6, lda: $7, b: $8, ldb: $9,
                             beta: $10, c: $11, ldc: $12)
        }
    }

    public func sgemmSerial(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                            alpha: Float, a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if k == 0 {
            // BLAS leaves C untouched for k == 0 only when beta == 1; make it uniform.
            ReferenceGEMMEngine().sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                                        a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Our threads split the work; OpenBLAS itself stays single-threaded.
    public func setThreadCount(_ count: Int) { openblas_set_num_threads(1) }
}

/// SGEMM through this package's own AVX-512 kernel (`Sources/CDCGANKernels`), split over our
/// threads like `OpenBLASEngine`. Available only where the processor has AVX-512.
public struct AVX512Engine: GEMMEngine {
    /// Nil on processors without AVX-512.
    public init?() {
        guard ck_has_avx512() else { return nil }
    }

    public func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                      alpha: Float, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        splitOverThreads(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
            self.sgemmSerial(transA: $0, transB: $1, m: $2, n: $3, k: $4, alpha: $5, a: $6, lda: $7, b: $8, ldb: $9,
                             beta: $10, c: $11, ldc: $12)
        }
    }

    public func sgemmSerial(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                            alpha: Float, a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        ck_sgemm_avx512(transA, transB, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    public func setThreadCount(_ count: Int) {}
}

/// A single-threaded SGEMM with the argument order of `GEMMEngine.sgemm`.
typealias SingleThreadedGEMM = (Bool, Bool, Int, Int, Int, Float, UnsafePointer<Float>, Int, UnsafePointer<Float>, Int,
                                Float, UnsafeMutablePointer<Float>, Int) -> Void

/// Runs a product on `Parallelism.threadCount` threads, each computing one block of columns of
/// C (or of rows, when C is taller than wide); small products run on the calling thread.
func splitOverThreads(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                      _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                      _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ gemm: @escaping SingleThreadedGEMM) {
    let threads = Parallelism.threadCount
    // Below ~4 MFLOP a hand-off costs more than it saves.
    guard threads > 1, m * n * k >= 1 << 21, max(m, n) >= 32 * threads else {
        if m > 0 && n > 0 { gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) }
        return
    }
    // Blocks of 16 keep each part aligned to the vector width.
    @Sendable func boundary(_ index: Int, _ total: Int) -> Int {
        index == threads ? total : min(total, (total * index / threads + 8) / 16 * 16)
    }
    let shared = UncheckedSendable((a, b, c, gemm))
    let splitColumns = n >= m
    DispatchQueue.concurrentPerform(iterations: threads) { part in
        let (a, b, c, gemm) = shared.value
        if splitColumns {
            let (first, last) = (boundary(part, n), boundary(part + 1, n))
            if last > first {
                gemm(transA, transB, m, last - first, k, alpha, a, lda, b + (transB ? first * ldb : first), ldb,
                     beta, c + first, ldc)
            }
        } else {
            let (first, last) = (boundary(part, m), boundary(part + 1, m))
            if last > first {
                gemm(transA, transB, last - first, n, k, alpha, a + (transA ? first : first * lda), lda, b, ldb,
                     beta, c + first * ldc, ldc)
            }
        }
    }
}

/// The plain triple loop, accumulated in Double: the reference the fast engines are tested
/// against, and a backend that works anywhere.
public struct ReferenceGEMMEngine: GEMMEngine {
    /// The reference engine (no state).
    public init() {}

    public func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                      alpha: Float, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let aValue = transA ? a[p * lda + i] : a[i * lda + p]
                    let bValue = transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(aValue) * Double(bValue)
                }
                let previous = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                c[i * ldc + j] = Float(Double(alpha) * sum + previous)
            }
        }
    }

    public func sgemmSerial(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                            alpha: Float, a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
              beta: beta, c: c, ldc: ldc)
    }

    public func setThreadCount(_ count: Int) {}
}
