import Testing
import DCGANTensor

// Shared helpers of the kernel tests: seeded data, Float <-> Double conversion, the tolerance
// rule, and central finite differences in Double.

/// Uniform Floats in [low, high) from a seeded generator. The tests draw their data as Float and
/// give the Double reference the very same numbers (Float -> Double is exact), so any difference
/// between a fast kernel and its reference comes from the kernel's arithmetic alone.
func randomFloats(_ count: Int, _ low: Float = -1, _ high: Float = 1, rng: inout RandomGenerator) -> [Float] {
    (0..<count).map { _ in rng.uniform(low, high) }
}

/// A tensor of uniform numbers in [low, high).
func randomTensor(_ shape: [Int], _ low: Float = -1, _ high: Float = 1, rng: inout RandomGenerator) -> Tensor {
    Tensor.uniform(shape, low, high, rng: &rng)
}

extension Tensor {
    /// The numbers, widened to Double.
    var doubles: [Double] { buffer.map(Double.init) }

    /// A tensor of `values` rounded to Float.
    init(shape: [Int], doubles: [Double]) { self.init(shape: shape, values: doubles.map(Float.init)) }
}

/// The largest |actual - expected| divided by max(floor, max |expected|).
///
/// Why this scale: a Float kernel that sums K products of numbers of size ~1 makes rounding
/// errors of about sqrt(K) * 6e-8 times the size of the terms, an absolute quantity; dividing by
/// the largest reference value (but never by less than `floor`) turns it into a relative error
/// that does not blow up at outputs that happen to be near zero, where an elementwise relative
/// error would be meaningless. With K <= 125 terms here the expected error is ~1e-6, so a bound
/// of 1e-5 has an order of magnitude of margin while any indexing or formula slip (an error of
/// the size of a whole term, >= 1e-2) is caught.
func scaledError(_ actual: [Double], _ expected: [Double], floor: Double = 1) -> Double {
    precondition(actual.count == expected.count, "scaledError: \(actual.count) vs \(expected.count) values")
    let scale = max(floor, expected.map(abs).max() ?? 0)
    var worst = 0.0
    for (a, e) in zip(actual, expected) {
        let error = abs(a - e)
        // NaN compares false with everything: make it the worst possible error.
        worst = error.isNaN ? .infinity : max(worst, error)
    }
    return worst / scale
}

/// Expects `actual` to match `expected` under the `scaledError` rule.
func expectClose(_ actual: [Double], _ expected: [Double], tolerance: Double = 1e-5, floor: Double = 1,
                 _ what: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.count == expected.count else {
        Issue.record("\(what()): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    let error = scaledError(actual, expected, floor: floor)
    #expect(error <= tolerance, "\(what()): scaled error \(error) > \(tolerance)", sourceLocation: sourceLocation)
}

func expectClose(_ actual: Tensor, _ expected: [Double], tolerance: Double = 1e-5, floor: Double = 1,
                 _ what: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    expectClose(actual.doubles, expected, tolerance: tolerance, floor: floor, what(), sourceLocation: sourceLocation)
}

/// Expects two arrays to be bit-identical, reporting the first difference rather than both arrays.
func expectIdentical(_ actual: [Float]?, _ expected: [Float], _ what: @autoclosure () -> String = "",
                     sourceLocation: SourceLocation = #_sourceLocation) {
    guard let actual, actual.count == expected.count else {
        Issue.record("\(what()): \(actual?.count ?? 0) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    if let i = actual.indices.first(where: { actual[$0].bitPattern != expected[$0].bitPattern }) {
        Issue.record("\(what()): element \(i) is \(actual[i]), expected \(expected[i])", sourceLocation: sourceLocation)
    }
}

/// Central finite differences of a scalar function of `x`, in Double, at the chosen coordinates
/// (all of them when nil). The error is O(step^2) from truncation plus O(1e-16 / step) from
/// rounding; for the piecewise-linear or smooth functions tested here 1e-5..1e-6 keeps both
/// below 1e-9 of the gradient's size.
func numericalGradient(at x: [Double], coordinates: [Int]? = nil, step: Double = 1e-6,
                       _ f: ([Double]) -> Double) -> [Double] {
    var point = x
    return (coordinates ?? Array(x.indices)).map { i in
        let saved = point[i]
        point[i] = saved + step
        let up = f(point)
        point[i] = saved - step
        let down = f(point)
        point[i] = saved
        return (up - down) / (2 * step)
    }
}

/// `count` distinct indices of 0..<n (all of them if n <= count), drawn reproducibly.
func sampledCoordinates(_ count: Int, of n: Int, rng: inout RandomGenerator) -> [Int] {
    n <= count ? Array(0..<n) : Array(rng.permutation(n).prefix(count)).sorted()
}

/// sum_i a[i] * b[i]: projects an output on a random direction to make a scalar loss whose
/// gradient with respect to the output is that direction.
func dot(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
}

func pick<T>(_ values: [T], _ indices: [Int]) -> [T] { indices.map { values[$0] } }
