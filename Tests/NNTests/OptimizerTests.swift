import Foundation
import DCGANLayers
import DCGANTensor
import Testing

/// Each optimiser over three steps against its published formula, evaluated here in Double.
/// The Float implementation rounds each of a handful of operations per step: its parameters
/// agree with the Double sequence to ~1e-7 relative, so 1e-6 of max(1, |p|) is checked.
@Suite struct OptimizerTests {
    static let start: [Float] = [0.5, -1.5, 2.0, 0.25]
    /// Gradients of steps 1, 2, 3: mixed signs and sizes, a zero, and values beyond the clip of 1.
    static let gradients: [[Float]] = [[0.1, -0.2, 3.0, 0.0], [0.05, 0.4, -0.3, -5.0], [-0.2, 0.1, 0.0, 2.5]]

    static func parameter() -> Parameter {
        let p = Parameter("weight", role: .weight, shape: [2, 2])
        p.value.assign(from: Tensor(shape: [2, 2], values: start))
        return p
    }

    /// Runs three steps, setting the gradients before each, and returns the values after each.
    static func run(_ optimizer: Optimizer, _ p: Parameter) -> [[Float]] {
        gradients.map { g in
            p.gradient.assign(from: Tensor(shape: [2, 2], values: g))
            optimizer.step()
            return p.value.array
        }
    }

    /// PyTorch's Adam: g += wd p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
    /// p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
    @Test(arguments: [0.0, 0.1])
    func adamMatchesPyTorchFormula(weightDecay: Double) {
        let (lr, b1, b2, eps) = (0.01, 0.9, 0.999, 1e-8)
        let p = Self.parameter()
        let adam = Adam([p], learningRate: Float(lr), beta1: Float(b1), beta2: Float(b2), eps: Float(eps), weightDecay: Float(weightDecay))
        let actual = Self.run(adam, p)
        var value = Self.start.map(Double.init), m = [Double](repeating: 0, count: 4), v = m
        for (step, g) in Self.gradients.enumerated() {
            let t = Double(step + 1)
            for i in 0..<4 {
                let grad = Double(g[i]) + weightDecay * value[i]
                m[i] = b1 * m[i] + (1 - b1) * grad
                v[i] = b2 * v[i] + (1 - b2) * grad * grad
                value[i] -= lr / (1 - pow(b1, t)) * m[i] / (v[i].squareRoot() / (1 - pow(b2, t)).squareRoot() + eps)
            }
            expectClose(actual[step], value, tolerance: 1e-6, "step \(step + 1)")
        }
        #expect(adam.stepCount == 3)
        #expect(adam.stateTensors.map(\.name) == ["m.0", "v.0"])
        expectClose(adam.stateTensors[0].tensor.array, m, tolerance: 1e-6, "first moment")
    }

    /// The same formula over 4099 parameters: the update's vector loop, its tail, and the
    /// tensor split over two threads at an odd boundary.
    @Test func adamMatchesPyTorchFormulaOnALongTensor() {
        let count = 4099, (lr, b1, b2, eps, wd) = (0.01, 0.8, 0.99, 1e-8, 0.05)
        let start = (0..<count).map { Float(sin(Double($0) * 0.37)) * 2 }
        let p = Parameter("weight", role: .weight, shape: [count])
        p.value.assign(from: Tensor(shape: [count], values: start))
        let adam = Adam([p], learningRate: Float(lr), beta1: Float(b1), beta2: Float(b2), eps: Float(eps), weightDecay: Float(wd))
        var value = start.map(Double.init), m = [Double](repeating: 0, count: count), v = m
        for step in 1...3 {
            let g = (0..<count).map { Float(cos(Double($0 * step) * 0.11)) * Float(step) }
            p.gradient.assign(from: Tensor(shape: [count], values: g))
            adam.step()
            let t = Double(step)
            for i in 0..<count {
                let grad = Double(g[i]) + wd * value[i]
                m[i] = b1 * m[i] + (1 - b1) * grad
                v[i] = b2 * v[i] + (1 - b2) * grad * grad
                value[i] -= lr / (1 - pow(b1, t)) * m[i] / (v[i].squareRoot() / (1 - pow(b2, t)).squareRoot() + eps)
            }
            expectClose(p.value.array, value, tolerance: 1e-5, "step \(step)")
        }
    }

    /// The point of bias correction: the first step moves each parameter by lr * g / (|g| + eps),
    /// i.e. by the learning rate against the gradient's sign, whatever the gradient's size.
    @Test func adamFirstStepIsTheLearningRate() {
        let p = Self.parameter()
        _ = Adam([p], learningRate: 0.01, beta1: 0.5, beta2: 0.999)  // an unused one changes nothing
        let adam = Adam([p], learningRate: 0.01, beta1: 0.5, beta2: 0.999)
        p.gradient.assign(from: Tensor(shape: [2, 2], values: [1e-3, -50, 2, 0]))
        adam.step()
        expectClose(p.value.array, [0.5 - 0.01, -1.5 + 0.01, 2.0 - 0.01, 0.25], tolerance: 1e-6, "after one step")
    }

    /// The DCGAN defaults: lr 2e-4, beta1 0.5, beta2 0.999, eps 1e-8.
    @Test func adamDefaultsAreTheDCGANOnes() {
        let adam = Adam([Self.parameter()])
        #expect(adam.learningRate == 2e-4 && adam.beta1 == 0.5 && adam.beta2 == 0.999 && adam.eps == 1e-8 && adam.weightDecay == 0)
    }

    /// Keras's RMSprop as the tutorial uses it: g clipped to [-clip, clip]; a = rho a + (1-rho) g^2;
    /// p -= lr_t g / (sqrt(a) + eps) with lr_t = lr / (1 + decay * t), t the steps taken before.
    @Test(arguments: [1.0, nil] as [Double?])
    func rmspropMatchesKerasFormula(clip: Double?) {
        let (lr, rho, eps, decay) = (0.01, 0.9, 1e-7, 0.1)
        let p = Self.parameter()
        let rmsprop = RMSprop([p], learningRate: Float(lr), rho: Float(rho), eps: Float(eps), clipValue: clip.map(Float.init),
                              decay: Float(decay))
        let actual = Self.run(rmsprop, p)
        var value = Self.start.map(Double.init), a = [Double](repeating: 0, count: 4)
        for (step, g) in Self.gradients.enumerated() {
            let rate = lr / (1 + decay * Double(step))
            for i in 0..<4 {
                var grad = Double(g[i])
                if let clip { grad = min(max(grad, -clip), clip) }
                a[i] = rho * a[i] + (1 - rho) * grad * grad
                value[i] -= rate * grad / (a[i].squareRoot() + eps)
            }
            expectClose(actual[step], value, tolerance: 1e-6, "step \(step + 1)")
        }
    }

    /// The tutorial's settings are the defaults: clip 1.0, decay 1e-8, rho 0.9.
    @Test func rmspropDefaultsAreTheKerasTutorials() {
        let rmsprop = RMSprop([Self.parameter()])
        #expect(rmsprop.clipValue == 1 && rmsprop.decay == 1e-8 && rmsprop.rho == 0.9 && rmsprop.learningRate == 8e-4)
    }

    struct SGDCase: Sendable, CustomTestStringConvertible {
        let momentum: Double, nesterov: Bool, weightDecay: Double
        var testDescription: String { "momentum \(momentum)\(nesterov ? " nesterov" : "") wd \(weightDecay)" }
    }

    /// PyTorch's SGD: g += wd p; b = g at the first step, then b = mu b + g;
    /// step along g + mu b (Nesterov) or b (classical), or g without momentum.
    @Test(arguments: [SGDCase(momentum: 0, nesterov: false, weightDecay: 0), SGDCase(momentum: 0.9, nesterov: false, weightDecay: 0),
                      SGDCase(momentum: 0.9, nesterov: true, weightDecay: 0), SGDCase(momentum: 0.5, nesterov: true, weightDecay: 0.01)])
    func sgdMatchesPyTorchFormula(_ c: SGDCase) {
        let lr = 0.1
        let p = Self.parameter()
        let sgd = SGD([p], learningRate: Float(lr), momentum: Float(c.momentum), nesterov: c.nesterov, weightDecay: Float(c.weightDecay))
        let actual = Self.run(sgd, p)
        var value = Self.start.map(Double.init), buffer = [Double](repeating: 0, count: 4)
        for (step, g) in Self.gradients.enumerated() {
            for i in 0..<4 {
                var d = Double(g[i]) + c.weightDecay * value[i]
                if c.momentum != 0 {
                    buffer[i] = step == 0 ? d : c.momentum * buffer[i] + d
                    d = c.nesterov ? d + c.momentum * buffer[i] : buffer[i]
                }
                value[i] -= lr * d
            }
            expectClose(actual[step], value, tolerance: 1e-6, "step \(step + 1)")
        }
    }

    /// Frozen parameters are left alone by every optimiser, and so is their state.
    @Test func frozenParametersAreNotUpdated() {
        for make in [{ Adam($0, learningRate: 0.1) }, { RMSprop($0) }, { SGD($0, learningRate: 0.1, momentum: 0.9) }] as [([Parameter]) -> Optimizer] {
            let (frozen, free) = (Self.parameter(), Self.parameter())
            frozen.isFrozen = true
            let optimizer = make([frozen, free])
            _ = Self.run(optimizer, frozen)
            free.gradient.fill(1)
            optimizer.step()
            #expect(frozen.value.array == Self.start, "\(type(of: optimizer))")
            #expect(free.value.array != Self.start, "\(type(of: optimizer))")
        }
    }
}
