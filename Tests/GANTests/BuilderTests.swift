import DCGANKit
import DCGANLayers
import DCGANTensor
import Testing

@Suite struct BuilderTests {
    @Test(arguments: [28, 32, 48, 64, 96, 128], [1, 3])
    func generatorAndDiscriminatorShapes(size: Int, channels: Int) throws {
        let config = ModelConfig(imageSize: size, channels: channels, nz: 10, ngf: 4, ndf: 4)
        try config.validate()
        let g = DCGAN.generator(config), d = DCGAN.discriminator(config)
        #expect(g.outputShape(for: [2, 10, 1, 1]) == [2, channels, size, size])
        #expect(d.outputShape(for: [2, channels, size, size]) == [2, 1])
        // Actually run them: the shapes must hold for real tensors, not only the formulas.
        var rng = RandomGenerator(seed: 3)
        Initializer.dcgan(g.parameters + d.parameters, rng: &rng)
        let images = g.forward(Tensor.uniform([2, 10, 1, 1], -1, 1, rng: &rng))
        #expect(images.shape == [2, channels, size, size])
        #expect(images.array.allSatisfy { $0 >= -1 && $0 <= 1 })
        #expect(d.forward(images).shape == [2, 1])
    }

    @Test func paperArchitectureFor64() {
        let config = ModelConfig(imageSize: 64, channels: 3, nz: 100, ngf: 64, ndf: 64)
        let convs = DCGAN.generator(config).layers.compactMap { $0 as? ConvTranspose2d }
        // nz -> 4x4x512 -> 8x8x256 -> 16x16x128 -> 32x32x64 -> 64x64x3
        #expect(convs.map { $0.weight.value.shape[1] } == [512, 256, 128, 64, 3])
        let d = DCGAN.discriminator(config)
        #expect(d.layers.compactMap { $0 as? Conv2d }.map { $0.weight.value.shape[0] } == [64, 128, 256, 512, 1])
        // BatchNorm on every D layer but the input, on every G layer but the output.
        #expect(d.layers.filter { $0 is BatchNorm }.count == 3)
        #expect(DCGAN.generator(config).layers.filter { $0 is BatchNorm }.count == 4)
        #expect(DCGAN.generator(config).parameterCount == 3_576_704)
        #expect(d.parameterCount == 2_765_568)
    }

    @Test(arguments: [30, 0, 8, 10, 200, 1024 + 1])
    func unsupportedSizesAreRejected(size: Int) {
        #expect(throws: ConfigError.self) { try ModelConfig(imageSize: size).validate() }
    }

    @Test func workCountMatchesThePeerBenchmark() {
        // The PyTorch peer reports 158.9 GFLOP per 64x64x3 iteration and 26.2 for 32x32x1 (batch 64).
        let big = WorkCount.trainingFLOPs(model: ModelConfig(imageSize: 64, channels: 3), batch: 64) / 1e9
        let small = WorkCount.trainingFLOPs(model: ModelConfig(imageSize: 32, channels: 1), batch: 64) / 1e9
        #expect(abs(big - 158.9) < 0.1)
        #expect(abs(small - 26.2) < 0.1)
    }
}
