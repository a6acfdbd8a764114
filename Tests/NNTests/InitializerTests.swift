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
}
