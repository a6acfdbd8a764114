import Testing
import DCGANTensor

@Suite struct LayoutKernelTests {
    struct UpsampleCase: Sendable, CustomTestStringConvertible {
        let shape: [Int], factor: Int
        var testDescription: String { "\(shape) x\(factor)" }
    }

    static let upsampleCases = [[1, 1, 1, 1], [3, 5, 4, 7], [1, 3, 9, 2], [3, 1, 1, 5]].flatMap { shape in
        [1, 2, 3].map { UpsampleCase(shape: shape, factor: $0) }
    } + [UpsampleCase(shape: [8, 8, 16, 16], factor: 2)]  // big enough to be split over threads

    @Test(arguments: upsampleCases)
    func upsampleMatchesReference(_ c: UpsampleCase) {
        var rng = RandomGenerator(seed: 51)
        let f = c.factor
        let outShape = [c.shape[0], c.shape[1], c.shape[2] * f, c.shape[3] * f]
        let x = randomFloats(c.shape.reduce(1, *), rng: &rng), r = randomFloats(outShape.reduce(1, *), rng: &rng)
        let output = Tensor(repeating: .nan, shape: outShape)
        LayoutKernel.upsampleNearest(input: Tensor(shape: c.shape, values: x), factor: f, output: output)
        // Copies: exact.
        #expect(output.doubles == Reference.upsampleNearest(x.map(Double.init), c.shape, factor: f))

        // Backward: the sum of the f*f gradients each input was copied to; the map is linear, so
        // central differences with a 1e-3 step are exact up to rounding.
        let dx = Tensor(repeating: .nan, shape: c.shape)
        LayoutKernel.upsampleNearestBackward(outputGradient: Tensor(shape: outShape, values: r), factor: f, inputGradient: dx)
        let rd = r.map(Double.init)
        let coordinates = sampledCoordinates(40, of: x.count, rng: &rng)
        let fd = numericalGradient(at: x.map(Double.init), coordinates: coordinates, step: 1e-3) {
            dot(rd, Reference.upsampleNearest($0, c.shape, factor: f))
        }
        expectClose(pick(dx.doubles, coordinates), fd, "input gradient")
    }

    /// Channel concatenation, written here from its index definition: output channel `ch` of
    /// sample n is channel ch - (channels of the parts before) of the part it falls in.
    static func concatenate(_ parts: [[Double]], channels: [Int], samples: Int, plane: Int) -> [Double] {
        let total = channels.reduce(0, +)
        return (0..<samples * total * plane).map { index in
            let (n, ch, p) = (index / (total * plane), (index / plane) % total, index % plane)
            var part = 0, local = ch
            while local >= channels[part] { local -= channels[part]; part += 1 }
            return parts[part][(n * channels[part] + local) * plane + p]
        }
    }

    @Test(arguments: [[1], [3, 1], [1, 5, 3], [5, 5]], [[1, 1, 1], [3, 4, 7], [2, 9, 2]])
    func concatAndSplitMatchDefinition(channels: [Int], sample: [Int]) {
        let (n, plane) = (sample[0], sample[1] * sample[2])
        var rng = RandomGenerator(seed: 52)
        let parts = channels.map { randomFloats(n * $0 * plane, rng: &rng) }
        let tensors = zip(parts, channels).map { Tensor(shape: [n, $1, sample[1], sample[2]], values: $0) }
        let total = channels.reduce(0, +)
        let output = Tensor(repeating: .nan, shape: [n, total, sample[1], sample[2]])
        LayoutKernel.concatChannels(tensors, output: output)
        let doubles = parts.map { $0.map(Double.init) }
        #expect(output.doubles == Self.concatenate(doubles, channels: channels, samples: n, plane: plane))

        // Split is the gradient of concat: for L = <r, concat(parts)>, dL/d(part k) by differences.
        let r = randomFloats(output.count, rng: &rng)
        let gradients = tensors.map { Tensor(repeating: .nan, shape: $0.shape) }
        LayoutKernel.splitChannels(Tensor(shape: output.shape, values: r), into: gradients)
        let rd = r.map(Double.init)
        for k in parts.indices {
            let fd = numericalGradient(at: doubles[k], step: 1e-3) { moved in
                var all = doubles
                all[k] = moved
                return dot(rd, Self.concatenate(all, channels: channels, samples: n, plane: plane))
            }
            expectClose(gradients[k], fd, "part \(k)")
        }
    }
}
