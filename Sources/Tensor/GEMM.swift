import CBLAS

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
public struct OpenBLASEngine: GEMMEngine {
    public init() {}

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
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    public func setThreadCount(_ count: Int) { openblas_set_num_threads(Int32(count)) }
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
