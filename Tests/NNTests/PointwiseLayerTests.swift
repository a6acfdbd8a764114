import DCGANLayers
import DCGANTensor
import Testing

@Suite struct PointwiseLayerTests {
    static let kinds: [ActivationKind] = [.relu, .leakyReLU(slope: 0.2), .elu(alpha: 1), .tanh, .sigmoid]

    /// An in-place activation overwrites its input and otherwise behaves exactly like the
    /// out-of-place one, also inside a network whose next layer's backward needs the output.
    @Test(arguments: kinds)
    func inPlaceActivationMatchesOutOfPlace(_ kind: ActivationKind) {
        func network(inPlace: Bool) -> Sequential {
            let net = Sequential([Conv2d(2, 3, kernel: 3, padding: 1), Activation(kind, inPlace: inPlace),
                                  Conv2d(3, 2, kernel: 3, stride: 2), Activation(kind, inPlace: inPlace)])
            randomizeParameters(of: net, seed: 100)
            return net
        }
        let (plain, inPlace) = (network(inPlace: false), network(inPlace: true))
        let x = randomTensor([3, 2, 6, 5], -2, 2, seed: 101)
        let y1 = plain(x).array, y2 = inPlace(x).array
        expectIdentical(y2, y1, "output")
        // The in-place network also overwrites the gradient it is handed: give each its own copy.
        let dy = randomTensor([3, 2, 2, 2], seed: 102)
        expectIdentical(inPlace.backward(dy.copy()).array, plain.backward(dy.copy()).array, "input gradient")
        for (p, q) in zip(plain.parameters, inPlace.parameters) { expectIdentical(q.gradient.array, p.gradient.array, "parameter gradient") }

        // On its own: the input tensor itself becomes the output.
        let layer = Activation(kind, inPlace: true), input = x.copy()
        let output = layer(input)
        #expect(output.storage === input.storage)
        expectIdentical(input.array, Activation(kind)(x).array, "in place on its own")
        #expect(x.array.indices.contains { x[$0] != input[$0] }, "the input was overwritten")
        let gradient = randomTensor(x.shape, seed: 103)
        #expect(layer.backward(gradient).storage === gradient.storage, "the gradient is computed in place")
    }

    @Test func dropoutZeroesAndScalesWithOneMask() {
        let p: Float = 0.3
        let layer = Dropout(p, seed: 5)
        let x = randomTensor([64, 1000], 0.5, 1.5, seed: 110)  // no zeros in the input
        let y = layer(x).copy()  // the layer reuses its output buffer at the next call
        let keep = 1 / (1 - p)
        var dropped = 0
        for i in 0..<x.count {
            if y[i] == 0 { dropped += 1 } else { #expect(y[i] == x[i] * keep, "kept values are scaled by 1/(1-p)") }
        }
        // Binomial(64000, 0.3): sd 116; allow 5 sd.
        #expect(abs(dropped - 19_200) < 580, "\(dropped) dropped")
        // Inverted dropout keeps the expected activation: mean(y) ~ mean(x) = 1.
        #expect(abs(y.array.reduce(0, +) / Float(y.count) - x.array.reduce(0, +) / Float(x.count)) < 0.01)
        // The backward applies the same mask: dL/dx = dL/dy * (y / x).
        let dy = randomTensor(x.shape, seed: 111)
        let dx = layer.backward(dy)
        for i in 0..<x.count { #expect(dx[i] == (y[i] == 0 ? 0 : dy[i] * keep)) }
        // A new forward draws a new mask.
        let sameMask = layer(x).array.map { $0 == 0 } == y.array.map { $0 == 0 }
        #expect(!sameMask)
    }

    @Test func dropoutIsReproducibleFromItsSeed() {
        let x = randomTensor([10, 100], 0.5, 1.5, seed: 112)
        let a = Dropout(0.5, seed: 9)(x).array, b = Dropout(0.5, seed: 9)(x).array, c = Dropout(0.5, seed: 10)(x).array
        let (sameSeed, otherSeed) = (a == b, a == c)
        #expect(sameSeed && !otherSeed)
        // p = 0.5: kept values are exactly doubled.
        #expect(zip(a, x.array).allSatisfy { $0 == 0 || $0 == 2 * $1 })
    }

    @Test func dropoutIsTheIdentityInEvaluationAndForZeroProbability() {
        let x = randomTensor([8, 50], seed: 113), dy = randomTensor([8, 50], seed: 114)
        let layer = Dropout(0.5, seed: 1)
        layer.setTraining(false)
        expectIdentical(layer(x).array, x.array, "evaluation output")
        expectIdentical(layer.backward(dy).array, dy.array, "evaluation gradient")
        let none = Dropout(0, seed: 1)
        expectIdentical(none(x).array, x.array, "p = 0 output")
        expectIdentical(none.backward(dy).array, dy.array, "p = 0 gradient")
    }
}
