import Testing
import DCGANTensor

/// C = alpha * op(A) * op(B) + beta * C, row-major with row strides, for every engine.
@Suite struct GEMMTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float
        var testDescription: String {
            "\(transA ? "T" : "N")\(transB ? "T" : "N") m\(m) n\(n) k\(k) alpha \(alpha) beta \(beta)"
        }
    }

    static let cases: [Case] = {
        var result: [Case] = []
        let sizes = [(m: 7, n: 5, k: 3), (m: 1, n: 9, k: 13), (m: 11, n: 1, k: 1), (m: 37, n: 29, k: 41), (m: 5, n: 3, k: 0)]
        let scalars: [(Float, Float)] = [(1.5, -0.75), (-0.5, 0), (1, 1)]
        for transA in [false, true] {
            for transB in [false, true] {
                for (index, size) in sizes.enumerated() {
                    let (alpha, beta) = scalars[index % scalars.count]
                    result.append(Case(transA: transA, transB: transB, m: size.m, n: size.n, k: size.k, alpha: alpha, beta: beta))
                }
            }
        }
        // k == 0 must give C = beta * C whatever alpha is, including beta == 0 (C cleared).
        result.append(Case(transA: true, transB: false, m: 4, n: 6, k: 0, alpha: 2, beta: 0))
        return result
    }()

    /// A stored matrix: `rows x columns` logical numbers in a buffer with row stride `ld`; the
    /// padding between rows holds `pad` so that a read of it (NaN) or a write to it shows.
    struct Stored {
        var values: [Float]
        let ld: Int
        init(rows: Int, columns: Int, extra: Int, pad: Float, _ element: (Int, Int) -> Float) {
            ld = columns + extra
            values = [Float](repeating: pad, count: max(rows * ld, 1))
            for r in 0..<rows { for c in 0..<columns { values[r * ld + c] = element(r, c) } }
        }
    }

    /// Runs one engine on a case and checks it against the product computed here, in Double, from
    /// the logical matrices op(A), op(B) (not from the stored layout the engine reads).
    func check(_ engine: any GEMMEngine, _ c: Case) {
        var rng = RandomGenerator(seed: UInt64(c.m * 1000 + c.n * 100 + c.k))
        let opA = (0..<c.m).map { _ in randomFloats(c.k, rng: &rng) }    // m x k
        let opB = (0..<c.k).map { _ in randomFloats(c.n, rng: &rng) }    // k x n
        let c0 = (0..<c.m).map { _ in randomFloats(c.n, rng: &rng) }     // m x n
        // op(A) = A^T stores A as k x m, so that A[p][i] = op(A)[i][p].
        let a = c.transA ? Stored(rows: c.k, columns: c.m, extra: 3, pad: .nan) { p, i in opA[i][p] }
                         : Stored(rows: c.m, columns: c.k, extra: 2, pad: .nan) { i, p in opA[i][p] }
        let b = c.transB ? Stored(rows: c.n, columns: c.k, extra: 1, pad: .nan) { j, p in opB[p][j] }
                         : Stored(rows: c.k, columns: c.n, extra: 4, pad: .nan) { p, j in opB[p][j] }
        // With beta == 0 the old C must be ignored, even NaN (BLAS semantics).
        var stored = Stored(rows: c.m, columns: c.n, extra: 5, pad: 12345) { i, j in c.beta == 0 ? .nan : c0[i][j] }
        a.values.withUnsafeBufferPointer { ap in
            b.values.withUnsafeBufferPointer { bp in
                stored.values.withUnsafeMutableBufferPointer { cp in
                    engine.sgemm(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: c.alpha,
                                 a: ap.baseAddress!, lda: a.ld, b: bp.baseAddress!, ldb: b.ld,
                                 beta: c.beta, c: cp.baseAddress!, ldc: stored.ld)
                }
            }
        }
        var actual: [Double] = [], expected: [Double] = []
        for i in 0..<c.m {
            for j in 0..<c.n {
                var sum = 0.0
                for p in 0..<c.k { sum += Double(opA[i][p]) * Double(opB[p][j]) }
                expected.append(Double(c.alpha) * sum + (c.beta == 0 ? 0 : Double(c.beta) * Double(c0[i][j])))
                actual.append(Double(stored.values[i * stored.ld + j]))
            }
            // The padding after each row of C is not C's: untouched.
            for j in c.n..<stored.ld { #expect(stored.values[i * stored.ld + j] == 12345, "C padding written at row \(i)") }
        }
        // Sums of up to 41 products of numbers in [-1, 1]: see `scaledError` for the 1e-5.
        expectClose(actual, expected, "\(type(of: engine)) \(c.testDescription)")
    }

    @Test(arguments: cases)
    func openBLASMatchesDefinition(_ c: Case) { check(OpenBLASEngine(), c) }

    @Test(arguments: cases)
    func referenceEngineMatchesDefinition(_ c: Case) { check(ReferenceGEMMEngine(), c) }

    /// Our AVX-512 kernel, on processors that have it (elsewhere it cannot be built into an engine).
    @Test(arguments: cases)
    func avx512EngineMatchesDefinition(_ c: Case) {
        guard let engine = AVX512Engine() else { return }
        check(engine, c)
    }

    /// The AVX-512 kernel beyond every one of its block sizes (KC 256, MC 192, NC 3072), in all
    /// four transpositions, split over two threads, against OpenBLAS (itself checked above).
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func avx512EngineAgreesWithOpenBLASOnLargeProducts(_ transposed: (Bool, Bool)) {
        guard let engine = AVX512Engine() else { return }
        var rng = RandomGenerator(seed: 17)
        let (m, n, k) = (205, 3107, 531)
        let a = randomFloats(m * k, rng: &rng), b = randomFloats(k * n, rng: &rng), c0 = randomFloats(m * n, rng: &rng)
        var ours = c0, theirs = c0
        let (lda, ldb) = (transposed.0 ? m : k, transposed.1 ? k : n)
        engine.sgemm(transA: transposed.0, transB: transposed.1, m: m, n: n, k: k, alpha: 0.75, a: a, lda: lda, b: b, ldb: ldb,
                     beta: -1.5, c: &ours, ldc: n)
        OpenBLASEngine().sgemm(transA: transposed.0, transB: transposed.1, m: m, n: n, k: k, alpha: 0.75, a: a, lda: lda, b: b,
                               ldb: ldb, beta: -1.5, c: &theirs, ldc: n)
        // Sums of 531 products: rounding grows with sqrt(k), still far below 1e-5 of the scale (~20).
        expectClose(ours.map(Double.init), theirs.map(Double.init))
    }

    /// The two engines agree on one bigger product, well beyond the blocking sizes of OpenBLAS.
    @Test func enginesAgreeOnALargeProduct() {
        var rng = RandomGenerator(seed: 3)
        let (m, n, k) = (67, 131, 259)
        let a = randomFloats(k * m, rng: &rng), b = randomFloats(n * k, rng: &rng), c0 = randomFloats(m * n, rng: &rng)
        var fast = c0, slow = c0
        OpenBLASEngine().sgemm(transA: true, transB: true, m: m, n: n, k: k, alpha: 0.5, a: a, lda: m, b: b, ldb: k,
                               beta: 2, c: &fast, ldc: n)
        ReferenceGEMMEngine().sgemm(transA: true, transB: true, m: m, n: n, k: k, alpha: 0.5, a: a, lda: m, b: b, ldb: k,
                                    beta: 2, c: &slow, ldc: n)
        expectClose(fast.map(Double.init), slow.map(Double.init))
    }

    /// A product small enough to do by hand: [[1,2,3],[4,5,6]] x [[7,8],[9,10],[11,12]] = [[58,64],[139,154]].
    @Test(arguments: [OpenBLASEngine() as any GEMMEngine, ReferenceGEMMEngine()] + [AVX512Engine()].compactMap { $0 })
    func handComputedProduct(_ engine: any GEMMEngine) {
        let a: [Float] = [1, 2, 3, 4, 5, 6], b: [Float] = [7, 8, 9, 10, 11, 12]
        var c: [Float] = [1, 1, 1, 1]
        engine.sgemm(transA: false, transB: false, m: 2, n: 2, k: 3, alpha: 2, a: a, lda: 3, b: b, ldb: 2,
                     beta: 0.5, c: &c, ldc: 2)
        #expect(c == [116.5, 128.5, 278.5, 308.5])
        // The same matrices stored transposed: op(A) = ([[1,4],[2,5],[3,6]])^T, op(B) = ([[7,9,11],[8,10,12]])^T.
        let at: [Float] = [1, 4, 2, 5, 3, 6], bt: [Float] = [7, 9, 11, 8, 10, 12]
        var ct: [Float] = [0, 0, 0, 0]
        engine.sgemm(transA: true, transB: true, m: 2, n: 2, k: 3, alpha: 1, a: at, lda: 2, b: bt, ldb: 3,
                     beta: 0, c: &ct, ldc: 2)
        #expect(ct == [58, 64, 139, 154])
    }

    /// The convenience entry point does nothing for empty products (C may not even exist).
    @Test func emptyProductsAreNoOps() {
        var c: [Float] = [3]
        let a: [Float] = [1], b: [Float] = [1]
        GEMM.multiply(m: 0, n: 1, k: 1, a: a, lda: 1, b: b, ldb: 1, c: &c, ldc: 1)
        GEMM.multiply(m: 1, n: 0, k: 1, a: a, lda: 1, b: b, ldb: 1, c: &c, ldc: 1)
        #expect(c == [3])
    }
}
