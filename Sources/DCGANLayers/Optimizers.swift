import Foundation
import DCGANTensor

/// An optimiser updates parameters from their gradients and owns its per-parameter state.
public protocol Optimizer: AnyObject {
    /// The parameters it updates.
    var parameters: [Parameter] { get }
    /// Applies one update from the current gradients.
    func step()
    /// Everything needed to resume exactly: named state tensors and the step count.
    var stateTensors: [(name: String, tensor: Tensor)] { get }
    /// Updates made so far (Adam's bias correction and RMSprop's decay depend on it).
    var stepCount: Int { get set }
}

/// Adam (Kingma & Ba) with PyTorch's semantics: bias-corrected moments, eps added after the
/// square root, optional L2 weight decay added to the gradient.
public final class Adam: Optimizer {
    /// The parameters updated by `step`.
    public let parameters: [Parameter]
    /// Step size.
    public var learningRate: Float
    /// Decay of the first and second moment averages, the denominator's epsilon, and L2 weight decay added to the gradient.
    public let beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    /// Updates made so far (saved in checkpoints; the bias correction depends on it).
    public var stepCount = 0
    private let firstMoments: [Tensor], secondMoments: [Tensor]

    /// Adam over `parameters` with the DCGAN paper's defaults (2e-4, beta1 0.5).
    public init(_ parameters: [Parameter], learningRate: Float = 2e-4, beta1: Float = 0.5, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
        firstMoments = parameters.map { Tensor(zeros: $0.value.shape) }
        secondMoments = parameters.map { Tensor(zeros: $0.value.shape) }
    }

    public func step() {
        stepCount += 1
        let correction1 = 1 - Float(pow(Double(beta1), Double(stepCount)))
        let correction2 = Float((1 - pow(Double(beta2), Double(stepCount))).squareRoot())
        let stepSize = learningRate / correction1
        for (index, p) in parameters.enumerated() where !p.isFrozen {
            AdamKernel.step(weight: p.value, gradient: p.gradient, first: firstMoments[index], second: secondMoments[index],
                            beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay, stepSize: stepSize,
                            correction2: correction2)
        }
    }

    public var stateTensors: [(name: String, tensor: Tensor)] {
        parameters.indices.flatMap { [("m.\($0)", firstMoments[$0]), ("v.\($0)", secondMoments[$0])] }
    }
}

/// RMSprop as the Keras tutorial uses it: gradients clipped to [-clip, clip], accumulator
/// a = rho*a + (1-rho)*g^2, update lr_t * g / (sqrt(a) + eps) with lr_t = lr / (1 + decay * t).
public final class RMSprop: Optimizer {
    /// The parameters updated by `step`.
    public let parameters: [Parameter]
    /// Step size, decay of the squared-gradient average, epsilon, the gradient clip (nil: none) and the learning-rate decay per step (Keras's `decay`).
    public let learningRate: Float, rho: Float, eps: Float, clipValue: Float?, decay: Float
    /// Updates made so far (saved in checkpoints; the bias correction depends on it).
    public var stepCount = 0
    private let accumulators: [Tensor]

    /// RMSprop over `parameters` with Keras's defaults and the Keras DCGAN tutorial's learning rate.
    public init(_ parameters: [Parameter], learningRate: Float = 8e-4, rho: Float = 0.9, eps: Float = 1e-7,
                clipValue: Float? = 1.0, decay: Float = 1e-8) {
        self.parameters = parameters
        self.learningRate = learningRate; self.rho = rho; self.eps = eps; self.clipValue = clipValue; self.decay = decay
        accumulators = parameters.map { Tensor(zeros: $0.value.shape) }
    }

    public func step() {
        let rate = learningRate / (1 + decay * Float(stepCount))
        stepCount += 1
        for (index, p) in parameters.enumerated() where !p.isFrozen {
            let (w, g, a) = (p.value, p.gradient, accumulators[index])
            for i in 0..<w.count {
                var grad = g[i]
                if let clip = clipValue { grad = min(max(grad, -clip), clip) }
                a[i] = rho * a[i] + (1 - rho) * grad * grad
                w[i] -= rate * grad / (a[i].squareRoot() + eps)
            }
        }
    }

    public var stateTensors: [(name: String, tensor: Tensor)] { accumulators.indices.map { ("a.\($0)", accumulators[$0]) } }
}

/// SGD with momentum and optional Nesterov, PyTorch's formulation (no dampening):
/// b = mu*b + g; step along g + mu*b (Nesterov) or b.
public final class SGD: Optimizer {
    /// The parameters updated by `step`.
    public let parameters: [Parameter]
    /// Step size, momentum coefficient, whether the momentum is Nesterov's, and L2 weight decay.
    public let learningRate: Float, momentum: Float, nesterov: Bool, weightDecay: Float
    /// Updates made so far (saved in checkpoints; the bias correction depends on it).
    public var stepCount = 0
    private let velocities: [Tensor]

    /// SGD over `parameters`, as PyTorch's `optim.SGD`.
    public init(_ parameters: [Parameter], learningRate: Float, momentum: Float = 0, nesterov: Bool = false,
                weightDecay: Float = 0) {
        precondition(!nesterov || momentum > 0, "Nesterov momentum needs a positive momentum")
        self.parameters = parameters
        self.learningRate = learningRate; self.momentum = momentum; self.nesterov = nesterov; self.weightDecay = weightDecay
        velocities = parameters.map { Tensor(zeros: $0.value.shape) }
    }

    public func step() {
        stepCount += 1
        for (index, p) in parameters.enumerated() where !p.isFrozen {
            let (w, g, b) = (p.value, p.gradient, velocities[index])
            for i in 0..<w.count {
                let grad = g[i] + weightDecay * w[i]
                // PyTorch seeds the buffer with the first gradient rather than decaying zero.
                b[i] = stepCount == 1 ? grad : momentum * b[i] + grad
                w[i] -= learningRate * (momentum == 0 ? grad : (nesterov ? grad + momentum * b[i] : b[i]))
            }
        }
    }

    public var stateTensors: [(name: String, tensor: Tensor)] { velocities.indices.map { ("b.\($0)", velocities[$0]) } }
}
