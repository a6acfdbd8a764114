import DCGANTensor
import Testing
@testable import DCGANData

@Suite struct ImageDatasetTests {
    @Test func fillBatchScalesSelectedImagesToMinusOneOne() {
        // Three 2-channel 1x2 images; image n holds bytes n*10 ... n*10+3.
        let pixels: [UInt8] = [0, 255, 51, 204,  10, 11, 12, 13,  20, 21, 22, 23]
        let dataset = ImageDataset(count: 3, channels: 2, height: 1, width: 2, pixels: pixels, labels: [0, 1, 2])
        let batch = Tensor(repeating: 99, shape: [2, 2, 1, 2])
        dataset.fillBatch(batch, indices: [2, 0])
        let expected = [20, 21, 22, 23, 0, 255, 51, 204].map { Float($0) / 127.5 - 1 }
        #expect(batch.array == expected)
        #expect(batch[4] == -1 && batch[5] == 1)
    }

    @Test func fakeDatasetIsReproducibleAndShaped() {
        let a = ImageDataset.fake(count: 5, channels: 3, size: 8, seed: 42)
        let b = ImageDataset.fake(count: 5, channels: 3, size: 8, seed: 42)
        let c = ImageDataset.fake(count: 5, channels: 3, size: 8, seed: 43)
        #expect((a.count, a.channels, a.height, a.width, a.pixels.count) == (5, 3, 8, 8, 5 * 3 * 64))
        #expect(a.pixels == b.pixels && a.labels == b.labels)
        #expect(a.pixels != c.pixels)
        #expect(a.labels?.allSatisfy { (0..<10).contains($0) } == true)
    }

    @Test(arguments: [14, 32, 64])
    func resizingAConstantImageKeepsItConstant(size: Int) {
        let dataset = ImageDataset(count: 2, channels: 1, height: 28, width: 28,
                                   pixels: [UInt8](repeating: 200, count: 784) + [UInt8](repeating: 7, count: 784), labels: [4, 2])
        let resized = dataset.resized(to: size)
        #expect((resized.height, resized.width) == (size, size))
        #expect(Array(resized.pixels.prefix(size * size)) == [UInt8](repeating: 200, count: size * size))
        #expect(Array(resized.pixels.suffix(size * size)) == [UInt8](repeating: 7, count: size * size))
        #expect(resized.labels == [4, 2])
    }

    @Test(arguments: [14, 32, 64])
    func resizingAGradientKeepsItMonotone(size: Int) {
        // Brightness rises left to right (x * 9) and is the same on every row.
        let pixels = (0..<784).map { UInt8(($0 % 28) * 9) }
        let resized = ImageDataset(count: 1, channels: 1, height: 28, width: 28, pixels: pixels).resized(to: size)
        for y in 0..<size {
            let row = Array(resized.pixels[(y * size) ..< ((y + 1) * size)])
            #expect(zip(row, row.dropFirst()).allSatisfy { $0 <= $1 }, "row \(y) not monotone: \(row)")
            #expect(row == Array(resized.pixels.prefix(size)))
            // The ends stay near the source's ends (0 and 243), without overshoot.
            #expect(row.first! <= 9 && row.last! >= 234)
        }
    }

    @Test func shrinkingByTwoAveragesBlocks() {
        let pixels: [UInt8] = [0, 100, 10, 10,
                               100, 200, 30, 30,
                               255, 255, 0, 0,
                               255, 255, 0, 4]
        let resized = ImageDataset(count: 1, channels: 1, height: 4, width: 4, pixels: pixels).resized(to: 2)
        #expect(resized.pixels == [100, 20, 255, 1])
    }
}

@Suite struct ImageDatasetFingerprintTests {
    @Test func fingerprintFollowsTheContentNotTheStorage() {
        let a = ImageDataset.fake(count: 6, channels: 1, size: 4, seed: 1)
        #expect(a.fingerprint == a.fingerprint && a.fingerprint.count == 8)
        // A copy in another array, and a view picking every image, hold the same data.
        #expect(ImageDataset(count: 6, channels: 1, height: 4, width: 4, pixels: a.pixels, labels: a.labels).fingerprint == a.fingerprint)
        #expect(a.subset(Array(0..<6)).fingerprint == a.fingerprint)
        // Other pixels, other labels, another shape of the same bytes, or no labels: another fingerprint.
        var pixels = a.pixels
        pixels[5] ^= 1
        let others = [ImageDataset(count: 6, channels: 1, height: 4, width: 4, pixels: pixels, labels: a.labels),
                      ImageDataset(count: 6, channels: 1, height: 4, width: 4, pixels: a.pixels, labels: a.labels!.map { ($0 + 1) % 10 }),
                      ImageDataset(count: 6, channels: 1, height: 2, width: 8, pixels: a.pixels, labels: a.labels),
                      ImageDataset(count: 6, channels: 1, height: 4, width: 4, pixels: a.pixels),
                      a.subset([1, 0, 2, 3, 4, 5])]
        #expect(Set(others.map(\.fingerprint) + [a.fingerprint]).count == others.count + 1)
    }
}
