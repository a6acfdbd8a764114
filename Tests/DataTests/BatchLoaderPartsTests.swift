import DCGANData
import DCGANTensor
import Testing

/// A data-parallel run's loaders: the parts of every batch, put side by side, are exactly the
/// batch one loader serves, in every epoch and after a restart mid-epoch.
@Suite struct BatchLoaderPartsTests {
    /// 23 labelled 1x2x3 images whose pixels and labels name the image.
    static let dataset: ImageDataset = {
        let count = 23
        let pixels = (0..<count).flatMap { image in [UInt8](repeating: UInt8(image * 10), count: 6) }
        return ImageDataset(count: count, channels: 1, height: 2, width: 3, pixels: pixels, labels: (0..<count).map { $0 % 7 })
    }()

    @Test(arguments: [(6, 2), (6, 3), (4, 4)])
    func partsMakeUpTheWholeBatch(batchSize: Int, parts: Int) {
        // 23 / batchSize full batches per epoch; 12 batches cross at least two epoch boundaries.
        for startBatch in [0, 5] {
            let whole = BatchLoader(dataset: Self.dataset, batchSize: batchSize, seed: 9, startBatch: startBatch)
            let loaders = (0..<parts).map { BatchLoader(dataset: Self.dataset, batchSize: batchSize, seed: 9, startBatch: startBatch,
                                                        part: $0, parts: parts) }
            for _ in 0..<12 {
                let expected = whole.next()
                let pieces = loaders.map { $0.next() }
                #expect(pieces.allSatisfy { $0.images.shape == [batchSize / parts, 1, 2, 3] })
                #expect(pieces.flatMap(\.images.array) == expected.images.array)
                #expect(pieces.flatMap { $0.labels ?? [] } == expected.labels)
            }
            whole.stop()
            loaders.forEach { $0.stop() }
        }
    }
}
