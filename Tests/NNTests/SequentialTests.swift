import Foundation
import DCGANLayers
import DCGANTensor
import Testing

@Suite struct SequentialTests {
    static let convGeometry = ConvGeometry(kernel: 3, stride: 2, padding: 1)
    static let transposedGeometry = ConvGeometry(kernel: 4, stride: 2, padding: 1)

    /// conv(2->4, k3 s2 p1) -> BN -> ELU -> convT(4->3, k4 s2 p1) -> tanh -> flatten -> linear -> sigmoid,
    /// on [3, 2, 7, 6]: [3, 4, 4, 3] -> [3, 3, 8, 6] -> [3, 144] -> [3, 2]. Every layer kind with
    /// parameters, all smooth (ELU with alpha 1 is C1), so central differences apply everywhere.
    static func network() -> Sequential {
        Sequential([
            Conv2d(2, 4, kernel: 3, stride: 2, padding: 1), BatchNorm(4), Activation(.elu(alpha: 1)),
            ConvTranspose2d(4, 3, kernel: 4, stride: 2, padding: 1), Activation(.tanh),
            Reshape([144]), Linear(144, 2), Activation(.sigmoid),
        ])
    }

    /// The same network in Double, from the references, with its parameters in enumeration order:
    /// conv w, b; BN gamma, beta; convT w, b; linear w, b.
    static func referenceForward(_ x: [Double], _ p: [[Double]]) -> [Double] {
        var y = Reference.conv2d(x, [3, 2, 7, 6], p[0], [4, 2, 3, 3], bias: p[1], convGeometry).values
        y = Reference.batchNorm(y, [3, 4, 4, 3], gamma: p[2], beta: p[3], eps: 1e-5)
        y = y.map { Reference.activate(.elu(alpha: 1), $0) }
        y = Reference.convTranspose2d(y, [3, 4, 4, 3], p[4], [4, 3, 4, 4], bias: p[5], transposedGeometry).values
        y = y.map { Reference.activate(.tanh, $0) }
        y = Reference.linear(y, batch: 3, p[6], outFeatures: 2, bias: p[7])
        return y.map { Reference.activate(.sigmoid, $0) }
    }

    /// Forward and backward through the chain against the Double reference network: the output,
    /// and the gradients of L = <r, y> with respect to the input and to every parameter by central
    /// differences (step 1e-5: truncation ~1e-10, rounding ~1e-11). The Float chain's gradients
    /// come out within ~3e-7 of the gradients' scale; 1e-5 of it leaves a wide margin.
    @Test func chainMatchesReferenceAndFiniteDifferences() {
        let net = Self.network()
        randomizeParameters(of: net, seed: 20)
        let x = randomTensor([3, 2, 7, 6], seed: 21), r = randomTensor([3, 2], seed: 22)
        let params = net.parameters.map(\.value.doubles)
        let y = net(x)
        #expect(y.shape == [3, 2] && net.outputShape(for: x.shape) == [3, 2])
        expectClose(y.array, Self.referenceForward(x.doubles, params), "output")

        let dx = net.backward(r)
        let rd = r.doubles
        var rng = RandomGenerator(seed: 23)
        var checks: [(what: String, actual: [Float], expected: [Double])] = []
        let xi = Array(rng.permutation(x.count).prefix(12))
        let fdx = numericalGradient(at: x.doubles, coordinates: xi, step: 1e-5) { dot(rd, Self.referenceForward($0, params)) }
        checks.append(("input", xi.map { dx[$0] }, fdx))
        for (k, p) in net.parameters.enumerated() {
            let coordinates = Array(rng.permutation(p.value.count).prefix(8))
            let fd = numericalGradient(at: params[k], coordinates: coordinates, step: 1e-5) { moved in
                var all = params
                all[k] = moved
                return dot(rd, Self.referenceForward(x.doubles, all))
            }
            checks.append(("parameter \(k) (\(p.name))", coordinates.map { p.gradient[$0] }, fd))
        }
        // Errors are measured against the largest gradient of the network: some are exactly zero
        // (the bias of the convolution before BatchNorm, whose shift BN subtracts again), and
        // their Float values are rounding noise on the scale of the others.
        let scale = checks.flatMap { $0.expected.map(abs) }.max()!
        for check in checks { expectClose(check.actual, check.expected, tolerance: 1e-5, floor: scale, check.what) }
        let convBias = net.parameters[1].gradient.array.map { Double(abs($0)) }.max()!
        #expect(convBias < 1e-5 * scale, "a bias before BatchNorm gets no gradient")
    }

    /// Parameters come layer by layer, each layer's in PyTorch's order (weight, then bias).
    @Test func parameterEnumerationOrder() {
        let conv = Conv2d(1, 2, kernel: 3), bn = BatchNorm(2), convT = ConvTranspose2d(2, 3, kernel: 4, bias: false)
        let act = Activation(.relu), linear = Linear(4, 5), plainBN = BatchNorm(5, affine: false)
        let net = Sequential([conv, bn, act, convT, Reshape([-1]), linear, plainBN])
        let expected: [Parameter] = [conv.weight, conv.bias!, bn.scale!, bn.shift!, convT.weight, linear.weight, linear.bias!]
        #expect(net.parameters.count == expected.count)
        #expect(zip(net.parameters, expected).allSatisfy { $0 === $1 })
        #expect(net.parameters.map(\.name) == ["weight", "bias", "weight", "bias", "weight", "weight", "bias"])
        #expect(net.parameters.map(\.role) == [.weight, .bias, .normScale, .normShift, .weight, .weight, .bias])
        #expect(net.parameterCount == 18 + 2 + 2 + 2 + 96 + 20 + 5)
        // Buffers: BatchNorm running statistics, named by layer index.
        #expect(net.buffers.map(\.name) == ["1.running_mean", "1.running_var", "6.running_mean", "6.running_var"])
        #expect(net.buffers[0].tensor.storage === bn.runningMean.storage)
        // Nested Sequentials flatten in order.
        let outer = Sequential([Sequential([conv, bn]), linear])
        #expect(outer.parameters.map(\.value.shape) == [[2, 1, 3, 3], [2], [2], [2], [5, 4], [5]])
    }

    /// One forward/backward of the test network, returning a copy of dL/dx.
    @discardableResult
    static func step(_ net: Sequential, _ x: Tensor, _ dy: Tensor) -> [Float] {
        _ = net(x)
        return net.backward(dy).array
    }

    /// The layers' input gradients take the network's two arena buffers in turn: the backward
    /// pass gives bit for bit what the same layers give run one by one outside any arena (each
    /// with its own buffer), an in-place activation handing its output gradient back included,
    /// and the arena ends up with two buffers of the largest input gradient ([3, 144]: 432
    /// floats) where the layers' own buffers would take 1404.
    @Test func inputGradientsShareTwoBuffers() {
        let net = Sequential([
            Conv2d(2, 4, kernel: 3, stride: 2, padding: 1), BatchNorm(4), Activation(.leakyReLU(slope: 0.2), inPlace: true),
            ConvTranspose2d(4, 3, kernel: 4, stride: 2, padding: 1), Activation(.tanh), Reshape([144]), Linear(144, 2),
        ])
        randomizeParameters(of: net, seed: 30)
        let x = randomTensor([3, 2, 7, 6], seed: 31), r = randomTensor([3, 2], seed: 32)
        _ = net(x)
        let shared = net.backward(r).array
        let sharedGradients = net.parameters.map(\.gradient.array)
        #expect(net.gradients.capacity == 2 * 432)

        net.zeroGradients()
        _ = net(x)
        var gradient = r
        for layer in net.layers.reversed() { gradient = layer.backward(gradient, inputGradientNeeded: true) }
        #expect(gradient.array == shared)
        #expect(net.parameters.map(\.gradient.array) == sharedGradients)
        #expect(net.gradients.capacity == 2 * 432)
    }

    /// In training mode a BatchNorm followed by an in-place ReLU or LeakyReLU applies the
    /// activation as it writes (one pass fewer): outputs, gradients and running statistics are
    /// exactly those of the same network with activations that are not in place (which never
    /// fold), and an in-place ELU after a BatchNorm stays on its own.
    @Test func trainingForwardFoldsTheActivationIntoBatchNorm() {
        func network(inPlace: Bool) -> Sequential {
            let net = Sequential([
                Conv2d(4, 6, kernel: 3, padding: 1), BatchNorm(6), Activation(.leakyReLU(slope: 0.2), inPlace: inPlace),
                Conv2d(6, 5, kernel: 3, padding: 1), BatchNorm(5), Activation(.relu, inPlace: inPlace),
                Conv2d(5, 3, kernel: 3, padding: 1), BatchNorm(3), Activation(.elu(alpha: 1), inPlace: inPlace),
            ])
            randomizeParameters(of: net, seed: 60)
            return net
        }
        let (folded, plain) = (network(inPlace: true), network(inPlace: false))
        let x = randomTensor([3, 4, 7, 5], seed: 61), dy = randomTensor([3, 3, 7, 5], seed: 62)
        let y = folded.forward(x).copy()
        expectIdentical(y.array, plain.forward(x).array, "output")
        expectIdentical(folded.backward(dy.copy(), inputGradientNeeded: true).array,
                        plain.backward(dy.copy(), inputGradientNeeded: true).array, "input gradient")
        for (a, b) in zip(folded.parameters, plain.parameters) { expectIdentical(a.gradient.array, b.gradient.array, a.name) }
        for (a, b) in zip(folded.buffers, plain.buffers) { expectIdentical(a.tensor.array, b.tensor.array, a.name) }
        #expect(y.array.contains { $0 < 0 } && y.array.contains { $0 > 0 }, "the ELU's output has both signs")
    }

    /// `infer` folds each convolution + evaluation-mode BatchNorm + in-place ReLU or LeakyReLU
    /// into one pass and gives what `forward` gives: Winograd-path layers (kernel 4, stride 2,
    /// padding 1, 16 channels or more) with and without a bias, a column-path one, and a tanh
    /// that stays on its own; in training mode nothing folds, and `infer` is `forward`.
    @Test func inferFoldsBatchNormAndActivationIntoTheConvolution() {
        let net = Sequential([
            ConvTranspose2d(20, 16, kernel: 4, stride: 2, padding: 1, bias: false), BatchNorm(16), Activation(.relu, inPlace: true),
            Conv2d(16, 18, kernel: 4, stride: 2, padding: 1), BatchNorm(18), Activation(.leakyReLU(slope: 0.2), inPlace: true),
            Conv2d(18, 5, kernel: 3, padding: 1), BatchNorm(5), Activation(.relu, inPlace: true), Activation(.tanh),
        ])
        randomizeParameters(of: net, seed: 40)
        for (index, (_, buffer)) in net.buffers.enumerated() {
            // Running means in [-0.5, 0.5], variances in [0.5, 1.5].
            let values = randomTensor(buffer.shape, seed: 41 + UInt64(index))
            for i in 0..<buffer.count { buffer[i] = values[i] * 0.5 + (index % 2 == 1 ? 1 : 0) }
        }
        let x = randomTensor([3, 20, 5, 6], seed: 50)
        net.setTraining(false)
        let expected = net.forward(x).copy()
        let folded = net.infer(x)
        #expect(folded.shape == [3, 5, 5, 6])
        expectClose(folded.array, expected.array.map(Double.init), tolerance: 1e-5, "infer against forward")

        net.setTraining(true)
        let training = net.forward(x).copy()
        #expect(net.infer(x).array == training.array)
    }

    @Test func zeroGradientsClearsEveryGradientAndNothingElse() {
        let net = Self.network()
        randomizeParameters(of: net, seed: 24)
        let values = net.parameters.map(\.value.array)
        Self.step(net, randomTensor([3, 2, 7, 6], seed: 25), randomTensor([3, 2], seed: 26))
        #expect(net.parameters.allSatisfy { p in p.gradient.array.contains { $0 != 0 } })
        net.zeroGradients()
        #expect(net.parameters.allSatisfy { p in p.gradient.array.allSatisfy { $0 == 0 } })
        #expect(net.parameters.map(\.value.array) == values)
    }

    /// PyTorch semantics: backward adds to .grad until it is zeroed. Two passes over the same batch
    /// give twice the gradient; passes over two batches give the sum of their gradients.
    @Test func gradientsAccumulateAcrossBackwardCalls() {
        let net = Self.network()
        randomizeParameters(of: net, seed: 27)
        let (x1, dy1) = (randomTensor([3, 2, 7, 6], seed: 28), randomTensor([3, 2], seed: 29))
        let (x2, dy2) = (randomTensor([3, 2, 7, 6], seed: 30), randomTensor([3, 2], seed: 31))
        Self.step(net, x1, dy1)
        let g1 = net.parameters.map(\.gradient.array)
        net.zeroGradients()
        Self.step(net, x2, dy2)
        let g2 = net.parameters.map(\.gradient.array)
        net.zeroGradients()

        Self.step(net, x1, dy1)
        Self.step(net, x1, dy1)
        for (p, g) in zip(net.parameters, g1) { expectClose(p.gradient.array, g.map { 2 * Double($0) }, "twice \(p.name)") }
        net.zeroGradients()
        Self.step(net, x1, dy1)
        Self.step(net, x2, dy2)
        for (k, p) in net.parameters.enumerated() {
            expectClose(p.gradient.array, zip(g1[k], g2[k]).map { Double($0) + Double($1) }, "sum \(k) \(p.name)")
        }
    }

    /// A frozen network (D while G trains) adds nothing to its parameters' gradients but still
    /// passes the right gradient to its input.
    @Test func frozenNetworkPassesGradientsButKeepsItsOwn() {
        let net = Self.network()
        randomizeParameters(of: net, seed: 32)
        let (x, dy) = (randomTensor([3, 2, 7, 6], seed: 33), randomTensor([3, 2], seed: 34))
        let unfrozenDx = Self.step(net, x, dy)
        let unfrozenGradients = net.parameters.map(\.gradient.array)
        for p in net.parameters { p.gradient.fill(7) }
        net.setFrozen(true)
        #expect(net.parameters.allSatisfy { $0.isFrozen })
        let frozenDx = Self.step(net, x, dy)
        expectIdentical(frozenDx, unfrozenDx, "input gradient")
        #expect(net.parameters.allSatisfy { p in p.gradient.array.allSatisfy { $0 == 7 } })
        // Unfrozen again, it accumulates as before.
        net.setFrozen(false)
        Self.step(net, x, dy)
        for (p, g) in zip(net.parameters, unfrozenGradients) { expectClose(p.gradient.array, g.map { 7 + Double($0) }, "\(p.name)") }
    }

    /// Skipping dL/d(input) changes no parameter gradient, for every layer kind with parameters.
    @Test func inputGradientNotNeededKeepsParameterGradients() {
        let layers: [(Layer, [Int])] = [
            (Conv2d(2, 3, kernel: 3, stride: 2, padding: 1), [3, 2, 7, 5]),
            (ConvTranspose2d(2, 3, kernel: 4, stride: 2, padding: 1), [3, 2, 3, 4]),
            (Linear(6, 4), [3, 6]),
            (BatchNorm(2), [3, 2, 3, 3]),
        ]
        for (index, (layer, shape)) in layers.enumerated() {
            randomizeParameters(of: layer, seed: UInt64(40 + index))
            let x = randomTensor(shape, seed: UInt64(50 + index))
            let dy = randomTensor(layer.outputShape(for: shape)!, seed: UInt64(60 + index))
            _ = layer(x)
            _ = layer.backward(dy, inputGradientNeeded: true)
            let full = layer.parameters.map(\.gradient.array)
            layer.zeroGradients()
            _ = layer(x)
            _ = layer.backward(dy, inputGradientNeeded: false)
            for (p, g) in zip(layer.parameters, full) { expectIdentical(p.gradient.array, g, "\(type(of: layer)) \(p.name)") }
        }
        // A Sequential told that nobody reads dL/dx (a network fed with data) still gets every
        // parameter gradient, the first layer's included.
        let net = Self.network()
        randomizeParameters(of: net, seed: 70)
        let (x, dy) = (randomTensor([3, 2, 7, 6], seed: 71), randomTensor([3, 2], seed: 72))
        Self.step(net, x, dy)
        let full = net.parameters.map(\.gradient.array)
        net.zeroGradients()
        _ = net(x)
        _ = net.backward(dy, inputGradientNeeded: false)
        for (p, g) in zip(net.parameters, full) { expectIdentical(p.gradient.array, g, p.name) }
    }

    /// Backward runs the layers in reverse and asks every layer but the first for its input
    /// gradient; the first only when the caller wants it.
    @Test func backwardOrderAndInputGradientRequests() {
        let log = CallLog()
        let net = Sequential([SpyLayer("a", log: log), SpyLayer("b", log: log), SpyLayer("c", log: log)])
        let x = Tensor(zeros: [1, 2])
        _ = net(x)
        _ = net.backward(x)
        #expect(log.entries == ["a.forward", "b.forward", "c.forward", "c.backward(true)", "b.backward(true)", "a.backward(true)"])
        log.entries = []
        _ = net.backward(x, inputGradientNeeded: false)
        #expect(log.entries == ["c.backward(true)", "b.backward(true)", "a.backward(false)"])
        log.entries = []
        net.setTraining(false)
        #expect(log.entries == ["a.training(false)", "b.training(false)", "c.training(false)"])
    }

    /// setTraining reaches every layer: BatchNorm switches to running statistics and Dropout to
    /// the identity, and back.
    @Test func trainEvalSwitching() {
        let bn = BatchNorm(2), dropout = Dropout(0.5, seed: 3)
        let net = Sequential([bn, dropout])
        let x = randomTensor([4, 2, 3, 3], 1, 3, seed: 80)
        let training = net(x).array
        #expect(training.contains(0))  // dropout active
        net.setTraining(false)
        #expect(!bn.isTraining && !dropout.isTraining)
        let eval = net(x).array
        // Evaluation: (x - running mean) / sqrt(running var + eps), no dropout.
        let expected = x.doubles.enumerated().map { i, v in
            let ch = (i / 9) % 2
            return (v - Double(bn.runningMean[ch])) / (Double(bn.runningVariance[ch]) + 1e-5).squareRoot()
        }
        expectClose(eval, expected, "evaluation output")
        let frozenStats = bn.runningMean.array + bn.runningVariance.array
        _ = net(x)
        #expect(bn.runningMean.array + bn.runningVariance.array == frozenStats, "evaluation must not move running statistics")
        net.setTraining(true)
        #expect(bn.isTraining && dropout.isTraining)
        _ = net(x)
        #expect(bn.runningMean.array + bn.runningVariance.array != frozenStats)
    }
}
