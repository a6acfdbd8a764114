import DCGANTensor
import Testing

@Suite struct SoftmaxCrossEntropyTests {
    @Test(arguments: [(1, 2), (3, 5), (7, 10)])
    func lossMatchesReferenceAndGradientMatchesFiniteDifferences(rows: Int, classes: Int) {
        var rng = RandomGenerator(seed: UInt64(rows * 31 + classes))
        let logits = randomTensor([rows, classes], -3, 3, rng: &rng)
        let labels = (0..<rows).map { ($0 * 7 + 3) % classes }
        let gradient = Tensor(zeros: [rows, classes])
        let loss = LossKernel.softmaxCrossEntropy(logits: logits, labels: labels, gradient: gradient)
        let reference = Reference.softmaxCrossEntropy(logits.doubles, classes: classes, labels: labels)
        #expect(abs(Double(loss) - reference) <= 1e-5 * max(1, reference))
        let numeric = numericalGradient(at: logits.doubles) { Reference.softmaxCrossEntropy($0, classes: classes, labels: labels) }
        expectClose(gradient, numeric, tolerance: 1e-5, "softmax cross-entropy gradient")
    }

    @Test func largeLogitsStayFinite() {
        let logits = Tensor(shape: [2, 3], values: [1000, -1000, 0, -500, 500, 499])
        let gradient = Tensor(zeros: [2, 3])
        let loss = LossKernel.softmaxCrossEntropy(logits: logits, labels: [0, 2], gradient: gradient)
        // Row 0 is certain and right (loss 0); row 1's label trails the best logit by 1: loss log(1 + e).
        #expect(abs(loss - 1.3132617 / 2) < 1e-5)
        #expect(gradient.array.allSatisfy { $0.isFinite })
    }
}
