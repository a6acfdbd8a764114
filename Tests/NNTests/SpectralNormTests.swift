import DCGANLayers
import DCGANTensor
import Testing

/// `SpectralNorm` against a Double power iteration, its gradient against finite differences of
/// a Double reference (u and v fixed, as the layer's backward holds them), and sigma against
/// the largest singular value.
@Suite struct SpectralNormTests {
    /// W [rows, columns] times v, and W^T times u, in Double.
    private static func multiply(_ w: [Double], rows: Int, _ v: [Double]) -> [Double] {
        let columns = v.count
        return (0..<rows).map { r in (0..<columns).reduce(0) { $0 + w[r * columns + $1] * v[$1] } }
    }
    private static func multiplyTransposed(_ w: [Double], columns: Int, _ u: [Double]) -> [Double] {
        (0..<columns).map { c in u.indices.reduce(0) { $0 + w[$1 * columns + c] * u[$1] } }
    }
    private static func normalized(_ x: [Double]) -> [Double] {
        let length = dot(x, x).squareRoot()
        return x.map { $0 / length }
    }

    /// One power iteration and sigma, written out in Double.
    private static func powerStep(_ w: [Double], rows: Int, u: [Double]) -> (u: [Double], v: [Double], sigma: Double) {
        let v = normalized(multiplyTransposed(w, columns: w.count / rows, u))
        let newU = normalized(multiply(w, rows: rows, v))
        return (newU, v, dot(newU, multiply(w, rows: rows, v)))
    }

    /// The largest singular value of W: 2000 power iterations from a fixed start (in Double),
    /// checked to satisfy W v = s u and W^T u = s v, and to bound |W x| over random unit x.
    private static func largestSingularValue(_ w: [Double], rows: Int) -> Double {
        let columns = w.count / rows
        var u = normalized((0..<rows).map { Double($0) + 1 }), sigma = 0.0, v: [Double] = []
        for _ in 0..<2000 { (u, v, sigma) = powerStep(w, rows: rows, u: u) }
        let wv = multiply(w, rows: rows, v), wtu = multiplyTransposed(w, columns: columns, u)
        #expect(zip(wv, u).allSatisfy { abs($0 - sigma * $1) < 1e-9 }, "W v = sigma u")
        #expect(zip(wtu, v).allSatisfy { abs($0 - sigma * $1) < 1e-9 }, "W^T u = sigma v")
        var rng = RandomGenerator(seed: 77)
        for _ in 0..<50 {
            let x = normalized((0..<columns).map { _ in Double(rng.normal()) })
            let wx = multiply(w, rows: rows, x)
            #expect(dot(wx, wx).squareRoot() <= sigma + 1e-12, "no direction is stretched more than sigma")
        }
        return sigma
    }

    /// A Conv2d 3 -> 5 (kernel 3, bias) and a Linear 7 -> 4: W is 5 x 27 and 4 x 7.
    private static func layers() -> [(layer: SpectralNormalized & Layer, input: Tensor)] {
        var rng = RandomGenerator(seed: 11)
        let conv = SpectralNorm(Conv2d(3, 5, kernel: 3, stride: 2, padding: 1, bias: true), rng: &rng)
        let linear = SpectralNorm(Linear(7, 4, bias: true), rng: &rng)
        randomizeParameters(of: conv, seed: 12)
        randomizeParameters(of: linear, seed: 13)
        return [(conv, randomTensor([2, 3, 9, 7], seed: 14)), (linear, randomTensor([3, 7], seed: 15))]
    }

    /// The wrapped layer's output for weight `w` (Double reference) and the layer's bias.
    private static func reference(_ layer: Layer, input x: Tensor, weight w: [Double]) -> [Double] {
        switch layer {
        case let sn as SpectralNorm<Conv2d>:
            return Reference.conv2d(x.doubles, x.shape, w, sn.weightOrig.value.shape, bias: sn.inner.bias?.value.doubles, sn.inner.geometry).values
        case let sn as SpectralNorm<Linear>:
            return Reference.linear(x.doubles, batch: x.shape[0], w, outFeatures: sn.inner.weight.value.shape[0], bias: sn.inner.bias?.value.doubles)
        default:
            preconditionFailure("no reference for \(layer.kindName)")
        }
    }

    private static func parts(_ layer: Layer) -> (weight: Parameter, u: Tensor, v: Tensor, sigma: Float) {
        if let sn = layer as? SpectralNorm<Conv2d> { return (sn.weightOrig, sn.u, sn.v, sn.sigma) }
        let sn = layer as! SpectralNorm<Linear>
        return (sn.weightOrig, sn.u, sn.v, sn.sigma)
    }

    @Test func trainingForwardMakesOnePowerIterationAndDividesBySigma() {
        for (layer, x) in Self.layers() {
            let (weight, u, _, _) = Self.parts(layer)
            let rows = weight.value.shape[0], w = weight.value.doubles
            let expected = Self.powerStep(w, rows: rows, u: u.doubles)
            let y = layer.forward(x)
            let (_, newU, newV, sigma) = Self.parts(layer)
            expectClose(newU.array, expected.u, "\(layer.kindName) u")
            expectClose(newV.array, expected.v, "\(layer.kindName) v")
            #expect(abs(Double(sigma) - expected.sigma) <= 1e-5 * expected.sigma, "\(layer.kindName) sigma")
            expectClose(y.array, Self.reference(layer, input: x, weight: w.map { $0 / expected.sigma }), "\(layer.kindName) output")
        }
    }

    @Test func evaluationAndFrozenPassesKeepTheVectors() {
        for (layer, x) in Self.layers() {
            let (weight, u, v, _) = Self.parts(layer)
            let (u0, v0) = (u.array, v.array)
            layer.setTraining(false)
            _ = layer.forward(x)
            #expect(u.array == u0 && v.array == v0, "\(layer.kindName): evaluation makes no power iteration")
            let sigma = dot(u.doubles, Self.multiply(weight.value.doubles, rows: u.count, v.doubles))
            #expect(abs(Double(Self.parts(layer).sigma) - sigma) <= 1e-5 * abs(sigma), "\(layer.kindName): sigma from the stored vectors")
            layer.setTraining(true)
            layer.setFrozen(true)
            _ = layer.forward(x)
            #expect(u.array == u0 && v.array == v0, "\(layer.kindName): a frozen weight makes no power iteration")
            let dx = layer.backward(randomTensor(layer.outputShape(for: x.shape)!, seed: 3))
            #expect(dx.shape == x.shape)
            #expect(weight.gradient.array.allSatisfy { $0 == 0 }, "\(layer.kindName): a frozen weight gets no gradient")
            layer.setFrozen(false)
            _ = layer.forward(x)
            #expect(u.array != u0, "\(layer.kindName): training iterates again once unfrozen")
        }
    }

    /// dL/dW_orig, dL/d(bias) and dL/dx for L = <r, y>, against central differences of the
    /// Double reference with u and v held (evaluation mode, as backward holds them).
    @Test func gradientsMatchFiniteDifferences() {
        for (layer, x) in Self.layers() {
            _ = layer.forward(x)  // one iteration in training mode, so u and v are not just random
            layer.setTraining(false)
            let (weight, u, v, _) = Self.parts(layer)
            let rows = weight.value.shape[0], w = weight.value.doubles
            let y = layer.forward(x)
            let r = randomTensor(y.shape, seed: 21)
            layer.zeroGradients()
            let dx = layer.backward(r.copy())
            func loss(_ w: [Double]) -> Double {
                let sigma = dot(u.doubles, Self.multiply(w, rows: rows, v.doubles))
                return dot(r.doubles, Self.reference(layer, input: x, weight: w.map { $0 / sigma }))
            }
            let coordinates = Array(stride(from: 0, to: w.count, by: 3))
            let numeric = numericalGradient(at: w, coordinates: coordinates, step: 1e-4, loss)
            expectClose(coordinates.map { weight.gradient[$0] }, numeric, tolerance: 1e-4, "\(layer.kindName) weight_orig gradient")
            // The input gradient is the wrapped layer's, with W / sigma.
            let sigma = Double(Self.parts(layer).sigma)
            let xs = x.doubles
            let numericInput = numericalGradient(at: xs, coordinates: Array(xs.indices), step: 1e-4) { point in
                dot(r.doubles, Self.reference(layer, input: Tensor(shape: x.shape, values: point.map(Float.init)), weight: w.map { $0 / sigma }))
            }
            expectClose(dx.array, numericInput, tolerance: 1e-3, "\(layer.kindName) input gradient")
            let bias = layer.parameters[1]
            #expect(bias.name == "bias")
            let outputs = bias.value.count, perOutput = r.count / r.shape[0] / outputs
            let expectedBias = (0..<outputs).map { o in
                (0..<r.shape[0]).reduce(0.0) { sum, n in sum + (0..<perOutput).reduce(0.0) { $0 + Double(r[(n * outputs + o) * perOutput + $1]) } }
            }
            expectClose(bias.gradient.array, expectedBias, "\(layer.kindName) bias gradient")
        }
    }

    @Test func sigmaConvergesToTheLargestSingularValue() {
        for (layer, x) in Self.layers() {
            let (weight, _, _, _) = Self.parts(layer)
            let truth = Self.largestSingularValue(weight.value.doubles, rows: weight.value.shape[0])
            var errors: [Double] = []
            for _ in 0..<30 {
                _ = layer.forward(x)
                errors.append(abs(Double(Self.parts(layer).sigma) - truth) / truth)
            }
            #expect(errors[0] > 1e-3, "\(layer.kindName): one iteration from a random start is not yet exact (\(errors[0]))")
            #expect(errors.last! < 1e-5, "\(layer.kindName): sigma after 30 iterations is off by \(errors.last!)")
            #expect(errors[29] <= errors[4], "\(layer.kindName): the estimate improves")
        }
    }

    @Test func tensorsCarryPyTorchNames() {
        var rng = RandomGenerator(seed: 1)
        let network = Sequential([SpectralNorm(Conv2d(1, 2, kernel: 3, bias: true), rng: &rng), SpectralNorm(Linear(3, 1, bias: false), rng: &rng)])
        #expect(network.namedTensors.map(\.name) == ["0.weight_orig", "0.bias", "0.weight_u", "0.weight_v", "1.weight_orig", "1.weight_u", "1.weight_v"])
        #expect(network.parameters.map(\.role) == [.weight, .bias, .weight])
        #expect(network.buffers.map(\.tensor.shape) == [[2], [9], [1], [3]])
        // The vectors start as unit vectors.
        for (_, vector) in network.buffers { #expect(abs(dot(vector.doubles, vector.doubles) - 1) < 1e-6) }
    }
}
