import DCGANLayers
import DCGANTensor
import Testing

/// `WeightAverage` against the average written out in Double, over enough updates to pass
/// through the warm-up, on a network with odd shapes (one weight large enough to be split over
/// threads) and BatchNorm buffers.
@Suite struct WeightAverageTests {
    static func network() -> Sequential {
        Sequential([Linear(131, 129), BatchNorm(129), Activation(.relu), Linear(129, 3)])
    }

    @Test func theWarmUpFollowsTensorFlowsNumUpdatesRule() {
        // (1 + t) / (10 + t) until it reaches the asked-for decay.
        #expect(WeightAverage.effectiveDecay(0.999, earlierUpdates: 0) == Float(1.0 / 10.0))
        #expect(WeightAverage.effectiveDecay(0.999, earlierUpdates: 90) == Float(91.0 / 100.0))
        #expect(WeightAverage.effectiveDecay(0.999, earlierUpdates: 8990) == Float(0.999))
        #expect(WeightAverage.effectiveDecay(0.999, earlierUpdates: 100_000) == Float(0.999))
        #expect(WeightAverage.effectiveDecay(0.5, earlierUpdates: 0) == Float(0.1))
        #expect(WeightAverage.effectiveDecay(0.5, earlierUpdates: 8) == Float(0.5))
    }

    @Test func theAverageMatchesTheFormulaInDoubleThroughTheWarmUp() {
        let source = Self.network(), copy = Self.network()
        randomizeParameters(of: source, seed: 3)
        randomizeParameters(of: copy, seed: 4)
        let decay: Float = 0.6
        let average = WeightAverage(of: source, in: copy, decay: decay)
        // The copy starts as the source, its buffers included.
        for (a, b) in zip(source.namedTensors, copy.namedTensors) { expectIdentical(b.tensor.array, a.tensor.array, a.name) }
        var reference = source.parameters.map { $0.value.array.map(Double.init) }
        for t in 0..<12 {
            // A new "optimiser step" of the source, and new running statistics.
            randomizeParameters(of: source, seed: 100 + UInt64(t))
            var rng = RandomGenerator(seed: 200 + UInt64(t))
            for buffer in source.buffers { rng.fillUniform(buffer.tensor, 0.1, 2) }
            average.update()
            // The decay written out: 0.1, 0.18, 0.25, ... and 0.6 from the seventh update on.
            let d = min(Double(decay), (1 + Double(t)) / (10 + Double(t)))
            for (index, p) in source.parameters.enumerated() {
                reference[index] = zip(reference[index], p.value.array).map { d * $0 + (1 - d) * Double($1) }
                expectClose(copy.parameters[index].value.array, reference[index], tolerance: 1e-6, "update \(t + 1), \(p.name)")
            }
            for (a, b) in zip(source.buffers, copy.buffers) { expectIdentical(b.tensor.array, a.tensor.array, "update \(t + 1), \(a.name)") }
        }
        #expect(average.updateCount == 12)
    }

    @Test func theSourceIsNeverChanged() {
        let source = Self.network(), copy = Self.network()
        randomizeParameters(of: source, seed: 5)
        let before = source.namedTensors.map { $0.tensor.array }
        let average = WeightAverage(of: source, in: copy, decay: 0.9)
        randomizeParameters(of: copy, seed: 6)
        average.update()
        #expect(source.namedTensors.map { $0.tensor.array } == before)
    }
}
