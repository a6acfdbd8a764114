import CBLAS
import Dispatch

/// The one interface that matrix products go through. Another backend (oneDNN, Accelerate,
/// a GPU) replaces `GEMM.engine` without any layer knowing.
///
/// Computes C = alpha * op(A) * op(B) + beta * C for row-major matrices, where op(A) is
/// m x k and op(B) is k x n; lda/ldb/ldc are row strides.
public protocol GEMMEngine: Sendable {
    func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
               alpha: Float, a: UnsafePointer<Float>, lda: Int,
               b: UnsafePointer<Float>, ldb: Int,
               beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int)
    func setThreadCount(_ count: Int)
}

/// The engine registry.
public enum GEMM {
    /// The engine every kernel uses. Set it once at start-up, before any training.
    nonisolated(unsafe) public static var engine: any GEMMEngine = OpenBLASEngine()

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
/// OpenBLAS runs single-threaded and this engine splits each large product into one block of
/// columns (or rows) per thread itself: OpenBLAS's own worker threads spin after every call,
/// and on a machine with as many threads as cores that spinning starves the convolution
/// loops that run between the products (measured: 20% of a training step).
public struct OpenBLASEngine: GEMMEngine {
    public init() { openblas_set_num_threads(1) }

    public func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                      alpha: Float, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if k == 0 {
            // BLAS leaves C untouched for k == 0 only when beta == 1; make it uniform.
            ReferenceGEMMEngine().sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                                        a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        let threads = Parallelism.threadCount
        // Below ~4 MFLOP a hand-off costs more than it saves.
        guard threads > 1, m * n * k >= 1 << 21, max(m, n) >= 2 * threads else {
            Self.call(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        let pointers = UncheckedSendable((a, b, c))
        let splitColumns = n >= m
        DispatchQueue.concurrentPerform(iterations: threads) { part in
            let (a, b, c) = pointers.value
            if splitColumns {
                // Blocks of 16 columns keep each part aligned to the vector width.
                let (first, last) = (Self.boundary(part, threads, n), Self.boundary(part + 1, threads, n))
                Self.call(transA, transB, m, last - first, k, alpha, a, lda, b + (transB ? first * ldb : first), ldb,
                          beta, c + first, ldc)
            } else {
                let (first, last) = (Self.boundary(part, threads, m), Self.boundary(part + 1, threads, m))
                Self.call(transA, transB, last - first, n, k, alpha, a + (transA ? first : first * lda), lda, b, ldb,
                          beta, c + first * ldc, ldc)
            }
        }
    }

    /// Where part `index` of `parts` starts, rounded to a multiple of 16 (the last part ends at `total`).
    private static func boundary(_ index: Int, _ parts: Int, _ total: Int) -> Int {
        index == parts ? total : min(total, (total * index / parts + 8) / 16 * 16)
    }

    private static func call(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                             _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                             _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        if m == 0 || n == 0 { return }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Our threads split the work; OpenBLAS itself stays single-threaded.
    public func setThreadCount(_ count: Int) { openblas_set_num_threads(1) }
}

/// The plain triple loop, accumulated in Double: the reference the fast engines are tested
/// against, and a backend that works anywhere.
public struct ReferenceGEMMEngine: GEMMEngine {
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

    public func setThreadCount(_ count: Int) {}
}
