import DCGANKit
import DCGANLayers
import DCGANTensor
import Foundation
import Testing

@Suite struct GuidedBackpropTests {
    @Test func gateZeroesNegativeInputsAndNegativeGradients() {
        let input = Tensor(shape: [1, 5], values: [1, -1, 2, -2, 0.5])
        let gradient = Tensor(shape: [1, 5], values: [1, 1, -1, -1, 3])
        let result = Tensor(zeros: [1, 5])
        GuidedBackprop.gate(input: input, outputGradient: gradient, inputGradient: result)
        #expect(result.array == [1, 0, 0, 0, 3])
    }

    @Test func activationLayersAreTheValidLayers() {
        let network = Sequential([Conv2d(1, 2, kernel: 2), Activation(.leakyReLU(slope: 0.2)), Conv2d(2, 1, kernel: 2),
                                  Activation(.tanh)])
        #expect(GuidedBackprop.activationLayerIndices(network) == [1, 3])
        #expect(GuidedBackprop.isRectifier(network.layers[1]) && !GuidedBackprop.isRectifier(network.layers[3]))
    }

    @Test func topUnitsRankByMeanActivation() {
        // 2 images, 3 channels of 2 positions: channel means 1.5, -1, 2.5.
        let activations = Tensor(shape: [2, 3, 1, 2], values: [1, 2, -1, -1, 3, 2,
                                                               1, 2, -1, -1, 3, 2])
        #expect(GuidedBackprop.topUnits(activations, count: 2) == [2, 0])
    }

    /// The finite-difference gradient of `network`'s output element `index` with respect to `input`.
    static func numericGradient(_ network: Sequential, input: Tensor, index: Int, step: Float = 1e-2) -> [Float] {
        (0..<input.count).map { i in
            let probe = input.copy()
            probe[i] = input[i] + step
            let up = network.forward(probe)[index]
            probe[i] = input[i] - step
            let down = network.forward(probe)[index]
            return (up - down) / (2 * step)
        }
    }

    static func randomInput(_ shape: [Int], seed: UInt64, positive: Bool = false) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        let t = Tensor(zeros: shape)
        rng.fillUniform(t, positive ? 0.1 : -1, 1)
        return t
    }

    @Test func withoutRectifiersGuidedEqualsTheInputGradient() {
        let conv = Conv2d(1, 2, kernel: 2)
        var rng = RandomGenerator(seed: 3)
        rng.fillUniform(conv.weight.value, -1, 1)
        rng.fillUniform(conv.bias!.value, -0.5, 0.5)
        let network = Sequential([conv, Activation(.tanh)])
        let input = Self.randomInput([1, 1, 3, 3], seed: 4)
        let trace = GuidedBackprop.forward(network, input: input, through: 1)
        let guided = GuidedBackprop.unitGradients(network, trace: trace, unit: 1, guided: true)
        let plain = GuidedBackprop.unitGradients(network, trace: trace, unit: 1, guided: false)
        // Unit 1's largest activation, as unitGradients picks it.
        let plane = Array(trace.output.array[4..<8])
        let index = 4 + plane.indices.max { plane[$0] < plane[$1] }!
        let numeric = Self.numericGradient(network, input: input, index: index)
        #expect(guided.array == plain.array)
        for (g, n) in zip(guided.array, numeric) { #expect(abs(g - n) < 2e-3, "guided \(g) vs numeric \(n)") }
        #expect(guided.array.contains { abs($0) > 0.01 })
    }

    @Test func rectifiersThatPassEverythingLeaveTheGradientAlone() {
        // Positive weights and inputs: every rectifier input and every gradient is positive,
        // so the gating changes nothing, even with in-place activations.
        let first = Conv2d(1, 2, kernel: 2, bias: false), second = Conv2d(2, 2, kernel: 2, bias: false)
        var rng = RandomGenerator(seed: 5)
        rng.fillUniform(first.weight.value, 0.1, 1)
        rng.fillUniform(second.weight.value, 0.1, 1)
        let network = Sequential([first, Activation(.leakyReLU(slope: 0.2), inPlace: true), second,
                                  Activation(.relu, inPlace: true)])
        let input = Self.randomInput([1, 1, 4, 4], seed: 6, positive: true)
        let trace = GuidedBackprop.forward(network, input: input, through: 3)
        let guided = GuidedBackprop.unitGradients(network, trace: trace, unit: 0)
        let plane = Array(trace.output.array[0..<4])
        let index = plane.indices.max { plane[$0] < plane[$1] }!
        let numeric = Self.numericGradient(network, input: input, index: index)
        for (g, n) in zip(guided.array, numeric) { #expect(abs(g - n) < 2e-3, "guided \(g) vs numeric \(n)") }
    }

    @Test func rectifierGatingDiffersFromTheOrdinaryGradient() {
        // A LeakyReLU with a negative input: the ordinary gradient passes 0.2 of it, guided none.
        let network = Sequential([Activation(.leakyReLU(slope: 0.2))])
        let input = Tensor(shape: [1, 1, 1, 2], values: [-1, -3])
        let trace = GuidedBackprop.forward(network, input: input, through: 0)
        #expect(GuidedBackprop.unitGradients(network, trace: trace, unit: 0, guided: false).array == [0.2, 0])
        #expect(GuidedBackprop.unitGradients(network, trace: trace, unit: 0, guided: true).array == [0, 0])
    }

    @Test func normalisedScalesEachMapByItsLargestMagnitude() {
        let maps = Tensor(shape: [2, 2], values: [2, -4, 0, 0])
        #expect(GuidedBackprop.normalised(maps).array == [0.5, -1, 0, 0])
    }

    @Test func visualizeRefusesLayersThatAreNotActivations() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        let root = Tiny.folder("visualize")
        let run = root + "/run", out = root + "/out"
        try CommandLineTests.trainTiny(into: run)
        try CommandLineTests.expectFailure(["visualize", "--checkpoint", run, "--out", out, "--layer", "0"],
                                           mentions: "valid: 1, 4", mustNotExist: out)
        try CommandLineTests.expectFailure(["visualize", "--checkpoint", run, "--out", out, "--layer", "99"],
                                           mentions: "not an activation layer", mustNotExist: out)
        try CommandLineTests.expectFailure(["visualize", "--checkpoint", run, "--out", out, "--units", "0"],
                                           mentions: "--units", mustNotExist: out)
        let fake = try CommandLineTests.run(["visualize", "--checkpoint", run, "--out", out, "--dataset", "fake", "--images", "3", "--units", "2"])
        #expect(fake.status == 0, "\(fake.stderr)")
        for name in ["guided-trained.png", "guided-random.png", "guided-images.png"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + name))
        }
    }
}
