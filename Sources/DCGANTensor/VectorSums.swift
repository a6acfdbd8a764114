/// Reductions over Float rows with vector-wide partial sums.
///
/// A plain running sum is one long chain of dependent additions (one every four cycles); sums
/// kept in 32 independent Float lanes run at the machine's vector width instead. Each lane
/// adds at most count/32 numbers, so for rows of a few thousand elements the Float partial
/// sums stay within ~1e-6 relative; the lanes are combined in Double.
enum VectorSums {
    /// Σ x[i].
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ count: Int) -> Double {
        var a = SIMD16<Float>(), b = SIMD16<Float>()
        var i = 0
        while i + 32 <= count {
            a += load(x + i)
            b += load(x + i + 16)
            i += 32
        }
        var total = combine(a) + combine(b)
        while i < count { total += Double(x[i]); i += 1 }
        return total
    }

    /// Σ (x[i] - mean)².
    @inline(__always)
    static func squaredDeviations(_ x: UnsafePointer<Float>, _ count: Int, from mean: Float) -> Double {
        var a = SIMD16<Float>(), b = SIMD16<Float>()
        let m = SIMD16<Float>(repeating: mean)
        var i = 0
        while i + 32 <= count {
            let d = load(x + i) - m, e = load(x + i + 16) - m
            a += d * d
            b += e * e
            i += 32
        }
        var total = combine(a) + combine(b)
        while i < count { let d = Double(x[i] - mean); total += d * d; i += 1 }
        return total
    }

    /// (Σ g[i], Σ g[i] * (x[i] - mean)).
    @inline(__always)
    static func sumAndMoment(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ count: Int,
                             mean: Float) -> (Double, Double) {
        var s = SIMD16<Float>(), t = SIMD16<Float>()
        let m = SIMD16<Float>(repeating: mean)
        var i = 0
        while i + 16 <= count {
            let gv = load(g + i)
            s += gv
            t += gv * (load(x + i) - m)
            i += 16
        }
        var sum = combine(s), moment = combine(t)
        while i < count { sum += Double(g[i]); moment += Double(g[i] * (x[i] - mean)); i += 1 }
        return (sum, moment)
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    private static func combine(_ v: SIMD16<Float>) -> Double {
        var total = 0.0
        for lane in 0..<16 { total += Double(v[lane]) }
        return total
    }
}
