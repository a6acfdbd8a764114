import DCGANLayers
import DCGANTensor
import Testing

/// The conditional GAN's label join: `ClassCondition` holds the batch's one-hot labels and
/// every `JoinLabels` layer appends them to its input as extra channels.
@Suite struct LabelJoinTests {
    static func condition(classes: Int, labels: [Int]) -> ClassCondition {
        let condition = ClassCondition(classes: classes)
        condition.set(labels: labels)
        return condition
    }

    /// One-hot rows; the tensor is reused while the batch size stays, replaced when it changes.
    @Test func classConditionHoldsOneHotRows() {
        let condition = Self.condition(classes: 3, labels: [2, 0, 1])
        #expect(condition.labels == [2, 0, 1])
        #expect(condition.oneHot.shape == [3, 3] && condition.oneHot.array == [0, 0, 1, 1, 0, 0, 0, 1, 0])
        let storage = condition.oneHot.storage
        condition.set(labels: [1, 1, 0])
        #expect(condition.oneHot.storage === storage)
        #expect(condition.oneHot.array == [0, 1, 0, 0, 1, 0, 1, 0, 0])
        condition.set(labels: [2])
        #expect(condition.oneHot.shape == [1, 3] && condition.oneHot.array == [0, 0, 1])
    }

    /// Each output element from its definition: channel ch < C is the input's, channel C + k is
    /// 1 where the sample's label is k and 0 elsewhere, at every position of the map.
    @Test func forwardPutsTheInputFirstAndTheLabelMapsAfter() {
        let labels = [1, 3]
        let layer = JoinLabels(Self.condition(classes: 4, labels: labels))
        let x = randomTensor([2, 3, 2, 5], seed: 1)
        let y = layer(x)
        #expect(y.shape == [2, 7, 2, 5])
        var expected: [Float] = []
        for n in 0..<2 {
            for ch in 0..<7 {
                for p in 0..<10 { expected.append(ch < 3 ? x[(n * 3 + ch) * 10 + p] : (ch - 3 == labels[n] ? 1 : 0)) }
            }
        }
        expectIdentical(y.array, expected, "image join")

        // [N, F]: the label's K columns follow the F features.
        let flat = layer(Tensor(shape: [2, 2], values: [5, 6, 7, 8]))
        #expect(flat.shape == [2, 6] && flat.array == [5, 6, 0, 1, 0, 0, 7, 8, 0, 0, 0, 1])
    }

    @Test func outputShapes() {
        let layer = JoinLabels(ClassCondition(classes: 10))
        #expect(layer.outputShape(for: [64, 1, 28, 28]) == [64, 11, 28, 28])
        #expect(layer.outputShape(for: [64, 100]) == [64, 110])
        #expect(layer.outputShape(for: [64, 3, 28]) == nil && layer.outputShape(for: [64]) == nil)
        #expect(layer.outputShape(for: [1, 2, 3, 4, 5]) == nil)
        #expect(layer.parameters.isEmpty)
    }

    /// dL/dx for L = sum(r * y) against central differences of the same loss on the Double
    /// reference join, and the labels' channels of r dropped.
    @Test(arguments: [[3, 2, 3, 5], [1, 5, 1, 1], [3, 4]])
    func inputGradientMatchesFiniteDifferences(shape: [Int]) {
        let condition = Self.condition(classes: 3, labels: Array([2, 0, 1].prefix(shape[0])))
        let layer = JoinLabels(condition)
        let x = randomTensor(shape, seed: 2)
        let y = layer(x)
        let r = randomTensor(y.shape, seed: 3)
        let dx = layer.backward(r)
        #expect(dx.shape == shape)
        let (rd, rows) = (r.doubles, condition.oneHot.doubles)
        let all = Array(0..<x.count)
        let fd = numericalGradient(at: x.doubles, coordinates: all, step: 1e-3) {
            dot(rd, Reference.joinLabels($0, shape, rows: rows, classes: 3))
        }
        expectClose(dx.array, fd, "input gradient")
    }

    /// With no input gradient wanted (the first layer of a network) nothing is computed.
    @Test func backwardWithoutInputGradientPassesTheGradientOn() {
        let layer = JoinLabels(Self.condition(classes: 2, labels: [0]))
        _ = layer(randomTensor([1, 3], seed: 4))
        let dy = randomTensor([1, 5], seed: 5)
        #expect(layer.backward(dy, inputGradientNeeded: false).storage === dy.storage)
    }

    /// A batch whose labels were not set is refused rather than joined to stale labels.
    @Test func forwardRefusesABatchOfAnotherSize() async {
        await #expect(processExitsWith: .failure) {
            let condition = ClassCondition(classes: 3)
            condition.set(labels: [0, 1])
            _ = JoinLabels(condition).forward(Tensor(zeros: [3, 4]))
        }
    }

    static let first = ConvGeometry(kernel: 3, stride: 2, padding: 1), second = ConvGeometry(kernel: 3, stride: 1, padding: 0)

    /// JoinLabels -> Conv2d(2+3 -> 4, k3 s2 p1) -> JoinLabels -> Conv2d(4+3 -> 2, k3) on [3, 2, 5, 5]:
    /// [3, 5, 5, 5] -> [3, 4, 3, 3] -> [3, 7, 3, 3] -> [3, 2, 1, 1], as a conditional D is built.
    static func referenceForward(_ x: [Double], rows: [Double], _ p: [[Double]]) -> [Double] {
        var y = Reference.joinLabels(x, [3, 2, 5, 5], rows: rows, classes: 3)
        y = Reference.conv2d(y, [3, 5, 5, 5], p[0], [4, 5, 3, 3], bias: p[1], first).values
        y = Reference.joinLabels(y, [3, 4, 3, 3], rows: rows, classes: 3)
        return Reference.conv2d(y, [3, 7, 3, 3], p[2], [2, 7, 3, 3], bias: p[3], second).values
    }

    /// The chain's output against the reference network, and the gradients of L = <r, y> with
    /// respect to the input and to both convolutions' weights (whose label columns see the
    /// joined labels) against central differences in Double. The network is linear in each,
    /// so a step of 1e-3 is exact up to rounding.
    @Test func conditionalChainMatchesFiniteDifferences() {
        let condition = Self.condition(classes: 3, labels: [2, 0, 2])
        let net = Sequential([JoinLabels(condition), Conv2d(5, 4, kernel: 3, stride: 2, padding: 1),
                              JoinLabels(condition), Conv2d(7, 2, kernel: 3)])
        randomizeParameters(of: net, seed: 6)
        let x = randomTensor([3, 2, 5, 5], seed: 7), r = randomTensor([3, 2, 1, 1], seed: 8)
        let params = net.parameters.map(\.value.doubles), rows = condition.oneHot.doubles
        let y = net(x)
        #expect(y.shape == [3, 2, 1, 1] && net.outputShape(for: x.shape) == [3, 2, 1, 1])
        expectClose(y.array, Self.referenceForward(x.doubles, rows: rows, params), "output")

        let dx = net.backward(r)
        let rd = r.doubles
        let fdx = numericalGradient(at: x.doubles, coordinates: Array(0..<x.count), step: 1e-3) {
            dot(rd, Self.referenceForward($0, rows: rows, params))
        }
        expectClose(dx.array, fdx, "input gradient")
        for k in [0, 2] {
            let fd = numericalGradient(at: params[k], coordinates: Array(params[k].indices), step: 1e-3) { moved in
                var all = params
                all[k] = moved
                return dot(rd, Self.referenceForward(x.doubles, rows: rows, all))
            }
            expectClose(net.parameters[k].gradient.array, fd, "weight gradient of parameter \(k)")
        }
    }
}
