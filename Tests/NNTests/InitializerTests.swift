import DCGANLayers
import DCGANTensor
import Testing

@Suite struct InitializerTests {
    static func network() -> Sequential {
        Sequential([Conv2d(64, 64, kernel: 4, stride: 2, padding: 1), BatchNorm(4096), ConvTranspose2d(64, 32, kernel: 4),
                    Linear(100, 512)])
    }

    static func moments(_ t: Tensor) -> (mean: Double, std: Double) {
        let values = t.doubles
        let mean = values.reduce(0, +) / Double(values.count)
        return (mean, (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot())
    }

    /// Weights ~ N(0, 0.02), BN scale ~ N(1, 0.02), biases and BN shift 0 (paper section 4).
    /// With n samples the sample mean's standard error is 0.02/sqrt(n) and the sample std's is
    /// 0.02/sqrt(2n): 5 of each is allowed (n >= 4096 everywhere here).
    @Test func dcganSchemeHasTheRightDistributions() {
        let net = Self.network()
        for p in net.parameters { p.value.fill(3) }  // whatever was there is replaced
        var rng = RandomGenerator(seed: 2015)
        Initializer.dcgan(net.parameters, rng: &rng)
        for p in net.parameters {
            let n = Double(p.value.count)
            switch p.role {
            case .weight, .normScale:
                let (mean, std) = Self.moments(p.value)
                let target = p.role == .weight ? 0.0 : 1.0
                #expect(abs(mean - target) < 5 * 0.02 / n.squareRoot(), "\(p.role) \(p.value.shape) mean \(mean)")
                #expect(abs(std - 0.02) < 5 * 0.02 / (2 * n).squareRoot(), "\(p.role) \(p.value.shape) std \(std)")
            case .bias, .normShift:
                #expect(p.value.array.allSatisfy { $0 == 0 }, "\(p.role) \(p.value.shape)")
            }
        }
    }

    @Test func sameSeedSameNumbers() {
        let (a, b, c) = (Self.network(), Self.network(), Self.network())
        var r1 = RandomGenerator(seed: 7), r2 = RandomGenerator(seed: 7), r3 = RandomGenerator(seed: 8)
        Initializer.dcgan(a.parameters, rng: &r1)
        Initializer.dcgan(b.parameters, rng: &r2)
        Initializer.dcgan(c.parameters, rng: &r3)
        #expect(a.parameters.map(\.value.array) == b.parameters.map(\.value.array))
        #expect(a.parameters[0].value.array != c.parameters[0].value.array)
        #expect(r1 == r2)
    }

    @Test func customStandardDeviation() {
        let layer = Linear(200, 100)
        var rng = RandomGenerator(seed: 1)
        Initializer.dcgan(layer.parameters, rng: &rng, std: 0.1)
        let (mean, std) = Self.moments(layer.weight.value)
        #expect(abs(mean) < 5 * 0.1 / 20_000.0.squareRoot())
        #expect(abs(std - 0.1) < 5 * 0.1 / 40_000.0.squareRoot())
    }

    struct FanInCase: Sendable, CustomTestStringConvertible {
        let kind: String, fanIn: Int
        var testDescription: String { "\(kind): fan-in \(fanIn)" }
        /// A fresh layer of the kind (weights and bias at 3, so that untouched values show).
        func layer() -> Layer {
            let layer: Layer = switch kind {
            case "Linear": Linear(20, 30)                    // weight [30, 20]: fan-in 20
            case "Conv2d": Conv2d(3, 5, kernel: 4)           // weight [5, 3, 4, 4]: 3 * 16
            default: ConvTranspose2d(3, 5, kernel: 4)        // weight [3, 5, 4, 4]: PyTorch's 5 * 16
            }
            for p in layer.parameters { p.value.fill(3) }
            return layer
        }
    }

    static let fanInCases = [FanInCase(kind: "Linear", fanIn: 20), FanInCase(kind: "Conv2d", fanIn: 48),
                             FanInCase(kind: "ConvTranspose2d", fanIn: 80)]

    /// Weight and bias within [-b, b], b = 1/sqrt(fan-in), and the weights filling that range
    /// (the largest of >= 240 uniform draws exceeds 0.9 b but for a chance of 0.9^240 ~ 1e-11):
    /// a bound from another fan-in (ConvTranspose2d's 3 * 16 would give 0.144 instead of 0.112)
    /// fails one side or the other.
    @Test(arguments: fanInCases)
    func pytorchDefaultBoundIsOneOverRootFanIn(_ c: FanInCase) {
        let layer = c.layer()
        var rng = RandomGenerator(seed: 3)
        Initializer.pytorchDefault(layer, rng: &rng)
        let bound = 1 / Double(c.fanIn).squareRoot()
        let (weight, bias) = (layer.parameters[0].value.doubles, layer.parameters[1].value.doubles)
        #expect(weight.allSatisfy { abs($0) <= bound } && bias.allSatisfy { abs($0) <= bound })
        #expect(weight.map(abs).max()! > 0.9 * bound)
        #expect(Set(bias).count == bias.count, "every bias drawn")
    }

    /// Over 2^19 weights of Linear(1024, 512) (b = 1/32) the sample mean and variance are those of
    /// U(-b, b): 0 and b^2/3, within 5 standard errors (b/sqrt(3n) for the mean,
    /// sqrt(4/45) b^2/sqrt(n) for the variance, from the uniform's fourth moment b^4/5).
    @Test func pytorchDefaultIsUniform() {
        let layer = Linear(1024, 512)
        var rng = RandomGenerator(seed: 4)
        Initializer.pytorchDefault(layer, rng: &rng)
        let b = 1 / 32.0, n = Double(layer.weight.value.count)
        let (mean, std) = Self.moments(layer.weight.value)
        #expect(abs(mean) < 5 * b / (3 * n).squareRoot(), "mean \(mean)")
        #expect(abs(std * std - b * b / 3) < 5 * (4.0 / 45).squareRoot() * b * b / n.squareRoot(), "variance \(std * std)")
    }

    /// The walk reaches layers inside nested Sequentials, sets norm layers to scale 1 and shift 0,
    /// skips layers without parameters, and is fixed by the seed.
    @Test func pytorchDefaultWalksTheWholeNetwork() {
        func network() -> (Sequential, [Layer]) {
            let linear = Linear(10, 16), conv = Conv2d(1, 2, kernel: 3), convT = ConvTranspose2d(2, 1, kernel: 4, bias: false)
            let batchNorm = BatchNorm(16), layerNorm = LayerNorm(16)
            let net = Sequential([linear, batchNorm, Activation(.leakyReLU(slope: 0.2)), layerNorm, Reshape([1, 4, 4]),
                                  Sequential([conv, Activation(.relu), convT])])
            for p in net.parameters { p.value.fill(3) }
            return (net, [linear, conv, convT, batchNorm, layerNorm])
        }
        let (net, layers) = network()
        var rng = RandomGenerator(seed: 5)
        Initializer.pytorchDefault(net, rng: &rng)
        for p in net.parameters { #expect(!p.value.array.contains(3), "\(p.name) \(p.value.shape) left as it was") }
        for (layer, fanIn) in zip(layers.prefix(3), [10, 9, 16]) {
            let bound = Float(1 / Double(fanIn).squareRoot())
            #expect(layer.parameters.allSatisfy { $0.value.array.allSatisfy { abs($0) <= bound } }, "\(layer.kindName)")
        }
        for norm in layers.suffix(2) {
            #expect(norm.parameters[0].value.array.allSatisfy { $0 == 1 } && norm.parameters[1].value.array.allSatisfy { $0 == 0 })
        }
        let (again, _) = network()
        var same = RandomGenerator(seed: 5)
        Initializer.pytorchDefault(again, rng: &same)
        #expect(again.parameters.map(\.value.array) == net.parameters.map(\.value.array))
    }

    /// Keras's glorot_uniform: l = sqrt(6 / (area * (in + out))). Linear(20, 30): sqrt(6/50);
    /// Conv2d(3, 5, k 4): sqrt(6/128); ConvTranspose2d(3, 5, k 4): the same 128. Weights within
    /// [-l, l] and reaching 0.9 l (>= 240 draws), biases zero, BatchNorm at 1 and 0; a bound
    /// from PyTorch's rule (1/sqrt(fan-in)) differs for each and fails one side or the other.
    @Test func glorotUniformUsesBothFans() {
        let linear = Linear(20, 30), conv = Conv2d(3, 5, kernel: 4), convT = ConvTranspose2d(3, 5, kernel: 4), norm = BatchNorm(7)
        let net = Sequential([linear, Sequential([conv, Activation(.relu), convT]), norm])
        for p in net.parameters { p.value.fill(3) }
        var rng = RandomGenerator(seed: 6)
        Initializer.glorotUniform(net, rng: &rng)
        for (layer, limit) in [(linear as Layer, (6.0 / 50).squareRoot()), (conv, (6.0 / 128).squareRoot()), (convT, (6.0 / 128).squareRoot())] {
            let weight = layer.parameters[0].value.doubles
            #expect(weight.allSatisfy { abs($0) <= limit } && weight.map(abs).max()! > 0.9 * limit, "\(layer.kindName)")
            #expect(layer.parameters[1].value.array.allSatisfy { $0 == 0 }, "\(layer.kindName) bias")
        }
        #expect(norm.parameters[0].value.array.allSatisfy { $0 == 1 } && norm.parameters[1].value.array.allSatisfy { $0 == 0 })
    }

    /// CNTK's normal(0.02): weights as the DCGAN scheme's (same numbers for the same seed, as
    /// both draw the weights alone), but BatchNorm's scale stays 1 rather than N(1, 0.02).
    @Test func normalWeightsKeepBatchNormAtOne() {
        let (a, b) = (Self.network(), Self.network())
        var r1 = RandomGenerator(seed: 9), r2 = RandomGenerator(seed: 9)
        Initializer.normalWeights(a.parameters, rng: &r1)
        Initializer.dcgan(b.parameters, rng: &r2)
        #expect(a.parameters[0].value.array == b.parameters[0].value.array)
        #expect(a.parameters[1].value.array.allSatisfy { $0 == 0 }, "conv bias")
        let scale = a.parameters.first { $0.role == .normScale }!
        #expect(scale.value.array.allSatisfy { $0 == 1 })
        let (_, std) = Self.moments(a.parameters[0].value)
        #expect(abs(std - 0.02) < 0.002)
    }
}
