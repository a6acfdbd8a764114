import DCGANData
import DCGANTensor

/// 1-nearest-neighbour classification in pixel space: the paper's evaluation of conditional
/// samples (supplement 8.1, Table 3): label the test images by their nearest generated
/// sample, and compare the error with the same classifier built on real training images.
public enum NearestNeighbour {
    /// The fraction of `test` whose nearest image in `references` (Euclidean distance on the
    /// pixels scaled to [-1, 1]) carries another label. Both must be labelled and of one shape.
    public static func errorRate(references: ImageDataset, test: ImageDataset) -> Double {
        precondition(references.labels != nil && test.labels != nil, "1-NN needs labelled images")
        precondition(references.imageSize == test.imageSize && references.count >= 1, "1-NN needs references of the test images' shape")
        let nearest = NearestImages.search(queries: scaledPixels(test), references: scaledPixels(references),
                                           dimension: test.imageSize, k: 1)
        let referenceLabels = references.labels!
        let wrong = zip(nearest, test.labels!).filter { referenceLabels[$0[0].index] != $1 }.count
        return Double(wrong) / Double(test.count)
    }

    /// Every image as a row of values in [-1, 1], the network input.
    private static func scaledPixels(_ data: ImageDataset) -> [Float] {
        let images = Tensor(zeros: [data.count, data.channels, data.height, data.width])
        data.fillBatch(images, indices: 0..<data.count)
        return images.array
    }
}
