import DCGANLayers
import DCGANTensor
import Testing

// Shared helpers of the layer and optimiser tests.

/// A tensor of uniform numbers in [low, high) from its own seed.
func randomTensor(_ shape: [Int], _ low: Float = -1, _ high: Float = 1, seed: UInt64) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor.uniform(shape, low, high, rng: &rng)
}

/// Gives every parameter of a layer uniform values (weights around 0, norm scales around 1), so
/// that gradients are exercised with O(1) signals rather than the tiny DCGAN initialisation.
func randomizeParameters(of layer: Layer, seed: UInt64) {
    var rng = RandomGenerator(seed: seed)
    for p in layer.parameters {
        switch p.role {
        case .normScale: rng.fillUniform(p.value, 0.5, 1.5)
        default: rng.fillUniform(p.value, -0.5, 0.5)
        }
    }
}

/// Expects |actual - expected| <= tolerance * max(floor, max |expected|) everywhere: errors are
/// measured against the size of the numbers compared (never less than `floor`), so a value that
/// is near zero by cancellation is not held to an impossible relative bound. Float arithmetic
/// through a few layers stays near 1e-6 of that scale; a wrong formula is off by >= 1e-2.
func expectClose(_ actual: [Float], _ expected: [Double], tolerance: Double = 1e-5, floor: Double = 1,
                 _ what: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.count == expected.count else {
        Issue.record("\(what()): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    let scale = max(floor, expected.map(abs).max() ?? 0)
    // A NaN counts as an infinite error.
    let worst = zip(actual, expected).map { abs(Double($0) - $1) }.reduce(0.0) { $1.isNaN ? .infinity : max($0, $1) }
    #expect(worst <= tolerance * scale, "\(what()): error \(worst) > \(tolerance) x \(scale)", sourceLocation: sourceLocation)
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

/// Central finite differences, in Double, of a scalar function at chosen coordinates of x.
func numericalGradient(at x: [Double], coordinates: [Int], step: Double, _ f: ([Double]) -> Double) -> [Double] {
    var point = x
    return coordinates.map { i in
        let saved = point[i]
        point[i] = saved + step
        let up = f(point)
        point[i] = saved - step
        let down = f(point)
        point[i] = saved
        return (up - down) / (2 * step)
    }
}

/// <a, b>: projecting an output on a random direction r makes a scalar loss with dL/dy = r.
func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

extension Tensor {
    var doubles: [Double] { buffer.map(Double.init) }
}

/// A pass-through layer that records how it was called.
final class SpyLayer: Layer {
    let name: String
    let log: CallLog
    init(_ name: String, log: CallLog) { self.name = name; self.log = log }
    func forward(_ input: Tensor) -> Tensor { log.entries.append("\(name).forward"); return input }
    func backward(_ outputGradient: Tensor, inputGradientNeeded: Bool) -> Tensor {
        log.entries.append("\(name).backward(\(inputGradientNeeded))")
        return outputGradient
    }
    func outputShape(for inputShape: [Int]) -> [Int]? { inputShape }
    var training: Bool?
    func setTraining(_ training: Bool) { self.training = training; log.entries.append("\(name).training(\(training))") }
}

final class CallLog { var entries: [String] = [] }
