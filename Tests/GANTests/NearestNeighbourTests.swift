import DCGANData
import DCGANKit
import DCGANTensor
import Testing

@Suite struct NearestNeighbourTests {
    /// The label of each test image's nearest reference, by plain Double arithmetic.
    static func naiveErrorRate(references: ImageDataset, test: ImageDataset) -> Double {
        let r = references.pixels, t = test.pixels, d = references.imageSize
        var wrong = 0
        for i in 0..<test.count {
            var best = 0, bestDistance = Double.infinity
            for j in 0..<references.count {
                var distance = 0.0
                for k in 0..<d {
                    let a = Double(t[i * d + k]) / 127.5 - 1, b = Double(r[j * d + k]) / 127.5 - 1
                    distance += (a - b) * (a - b)
                }
                if distance < bestDistance { (best, bestDistance) = (j, distance) }
            }
            if references.labels![best] != test.labels![i] { wrong += 1 }
        }
        return Double(wrong) / Double(test.count)
    }

    @Test(arguments: [(7, 300), (1, 5), (3, 260)]) func matchesTheNaiveClassifier(classes: Int, testCount: Int) {
        let references = ImageDataset.fake(count: 57, channels: 3, size: 5, classes: classes, seed: 1)
        let test = ImageDataset.fake(count: testCount, channels: 3, size: 5, classes: classes, seed: 2)
        #expect(NearestNeighbour.errorRate(references: references, test: test) == Self.naiveErrorRate(references: references, test: test))
    }

    @Test func imagesFindThemselves() {
        let data = ImageDataset.fake(count: 40, channels: 1, size: 6, classes: 4, seed: 3)
        #expect(NearestNeighbour.errorRate(references: data, test: data) == 0)
        // Relabelled references (class + 1) are then always wrong.
        let shifted = ImageDataset(count: data.count, channels: 1, height: 6, width: 6, pixels: data.pixels, labels: data.labels!.map { ($0 + 1) % 4 })
        #expect(NearestNeighbour.errorRate(references: shifted, test: data) == 1)
    }
}
