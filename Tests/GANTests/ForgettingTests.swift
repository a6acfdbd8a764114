import DCGANKit
import DCGANTensor
import Foundation
import Testing

@Suite struct ForgettingTests {
    static func accuracy(_ model: LogisticRegression, rows: [Float], d: Int, labels: [Float]) -> Double {
        let correct = labels.indices.filter { r in
            (model.probability(rows[(r * d)..<((r + 1) * d)]) > 0.5) == (labels[r] > 0.5)
        }.count
        return Double(correct) / Double(labels.count)
    }

    @Test func oneDimensionalSeparableDataGetsTheRightSign() {
        let rows: [Float] = [-2, -1, -0.5, 0.5, 1, 2]
        let labels: [Float] = [0, 0, 0, 1, 1, 1]
        let rising = LogisticRegression.fit(rows: rows, featureCount: 1, labels: labels)
        #expect(rising.weights[0] > 0)
        #expect(Self.accuracy(rising, rows: rows, d: 1, labels: labels) == 1)
        let falling = LogisticRegression.fit(rows: rows, featureCount: 1, labels: labels.map { 1 - $0 })
        #expect(falling.weights[0] < 0)
        #expect(Self.accuracy(falling, rows: rows, d: 1, labels: labels.map { 1 - $0 }) == 1)
    }

    @Test func twoDimensionalSeparableDataIsClassified() {
        // Label: x0 > x1 + 0.5 on a grid that leaves a margin; the weights must point along (1, -1).
        var rows: [Float] = [], labels: [Float] = []
        for a in stride(from: -3, through: 3, by: 1) {
            for b in stride(from: -3, through: 3, by: 1) where abs(Float(a - b) - 0.5) >= 0.5 {
                rows += [Float(a), Float(b)]
                labels.append(Float(a - b) > 0.5 ? 1 : 0)
            }
        }
        let model = LogisticRegression.fit(rows: rows, featureCount: 2, labels: labels, l2: 1e-3)
        #expect(model.weights[0] > 0 && model.weights[1] < 0)
        #expect(Self.accuracy(model, rows: rows, d: 2, labels: labels) == 1)
    }

    @Test func positionsInsideBoxesAreLabelled() {
        // A 4x4 map over an 8x8 image: position (i, j) has its centre at pixel (2j + 1, 2i + 1).
        let labels = Forgetting.positionLabels(boxes: [[2, 0, 6, 4]], mapHeight: 4, mapWidth: 4, imageHeight: 8, imageWidth: 8)
        #expect(labels == [0, 1, 1, 0,
                           0, 1, 1, 0,
                           0, 0, 0, 0,
                           0, 0, 0, 0])
        let two = Forgetting.positionLabels(boxes: [[0, 0, 2, 2], [6, 6, 8, 8]], mapHeight: 4, mapWidth: 4, imageHeight: 8, imageWidth: 8)
        #expect(two == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    }

    @Test func trainingSetTakesEveryPositionOfTheMarkedSamples() {
        // 2 samples, 2 maps of 2x2 over 4x4 images; only sample 1 is marked, on its top-left position.
        let features = Tensor(shape: [2, 2, 2, 2], values: (0..<16).map(Float.init))
        let set = Forgetting.trainingSet(features: features, boxes: [MarkedBox(sample: 1, box: [0, 0, 2, 2])], imageHeight: 4, imageWidth: 4)
        #expect(set.featureCount == 2)
        #expect(set.labels == [1, 0, 0, 0])
        #expect(set.rows == [8, 12, 9, 13, 10, 14, 11, 15])
    }

    @Test func positiveWeightsAreDropped() {
        let model = LogisticRegression(weights: [0.5, -1, 0, 2], bias: 0)
        #expect(Forgetting.mapsToDrop(model) == [0, 3])
    }

    @Test func forgetChecksItsBoxes() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        let root = Tiny.folder("forget")
        let run = root + "/run", out = root + "/out"
        try CommandLineTests.trainTiny(into: run)
        func boxes(_ text: String) throws -> String {
            let path = root + "/boxes-\(UUID().uuidString).json"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let base = ["forget", "--checkpoint", run, "--out", out, "--count", "4"]
        try CommandLineTests.expectFailure(base + ["--boxes", try boxes(#"[{"sample": 0, "box": [20, 20, 30, 25]}]"#)],
                                           mentions: "inside the 28x28 image", mustNotExist: out)
        try CommandLineTests.expectFailure(base + ["--boxes", try boxes(#"[{"sample": 4, "box": [0, 0, 5, 5]}]"#)],
                                           mentions: "out of range", mustNotExist: out)
        try CommandLineTests.expectFailure(base + ["--boxes", try boxes(#"[{"sample": 0, "box": [0, 0, 5"#)],
                                           mentions: "not a JSON list", mustNotExist: out)
        try CommandLineTests.expectFailure(base + ["--boxes", root + "/missing.json"], mentions: "missing.json", mustNotExist: out)
        let good = try CommandLineTests.run(base + ["--random-control", "--boxes", try boxes(#"[{"sample": 1, "box": [4, 4, 14, 14]}]"#)])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("feature maps (weight > 0)"))
        for name in ["forget-before.png", "forget-after.png", "forget-random.png"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + name))
        }
        try CommandLineTests.expectFailure(base + ["--boxes", try boxes(#"[{"sample": 1, "box": [4, 4, 14, 14]}]"#)],
                                           mentions: "exists")
    }
}

extension ForgettingTests {
    @Test func insideAndOutsideMeansUseOnlyTheMarkedSamples() {
        // Sample 0 (marked): a 2x2 image with one white pixel inside its box; sample 1 (unmarked) all white.
        let images = Tensor(shape: [2, 1, 2, 2], values: [1, -1, -1, -1, 1, 1, 1, 1])
        let means = Forgetting.meanInsideAndOutside(images, boxes: [MarkedBox(sample: 0, box: [0, 0, 1, 1])])
        #expect(means.inside == 1 && means.outside == -1)
    }
}
