import DCGANData
import DCGANLayers
import DCGANTensor

/// Adaptive max pooling to a fixed grid, as PyTorch's `AdaptiveMaxPool2d`: along an axis of
/// length `size`, bin `i` of `grid` covers `floor(i * size / grid) ..< ceil((i + 1) * size / grid)`.
/// Bins may overlap (7 -> 4 gives 0..<2, 1..<4, 3..<6, 5..<7) and, when `size < grid`, repeat
/// the same rows (3 -> 4 gives 0..<1, 0..<2, 1..<3, 2..<3).
public enum AdaptiveMaxPool {
    /// The rows (or columns) each of the `grid` bins covers along an axis of length `size`.
    public static func bins(size: Int, grid: Int) -> [Range<Int>] {
        precondition(size >= 1 && grid >= 1, "adaptive pooling needs a non-empty axis and grid")
        return (0..<grid).map { i in (i * size / grid)..<(((i + 1) * size + grid - 1) / grid) }
    }

    /// Pools `channels` maps of `height` x `width` (contiguous, channel after channel) to
    /// `channels` x `grid` x `grid` values written at `output`.
    public static func pool(_ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int, grid: Int,
                            into output: UnsafeMutablePointer<Float>) {
        let rowBins = bins(size: height, grid: grid), columnBins = bins(size: width, grid: grid)
        var target = output
        for channel in 0..<channels {
            let map = input + channel * height * width
            for rows in rowBins {
                for columns in columnBins {
                    var largest = -Float.infinity
                    for row in rows {
                        let line = map + row * width
                        for column in columns where line[column] > largest { largest = line[column] }
                    }
                    target.pointee = largest
                    target += 1
                }
            }
        }
    }
}

/// The paper's section 5 recipe for using a trained discriminator as a feature extractor:
/// every convolutional block's output (after its LeakyReLU) is max-pooled to a 4 x 4 grid,
/// flattened and concatenated into one vector per image (28,672 values for the paper's
/// ImageNet D). BatchNorm runs in inference mode (running statistics), so an image's features
/// do not depend on the rest of its batch.
public final class DiscriminatorFeatures {
    /// Side of the grid each activation map is pooled to.
    public static let grid = 4
    /// Images pushed through D at a time.
    public static let defaultBatchSize = 500

    private let discriminator: Sequential
    private let imageShape: [Int]
    /// Channels of each pooled activation, in the order they appear in the vector.
    public let blockChannels: [Int]
    /// Values per image: `grid * grid` times the sum of `blockChannels`.
    public var featureLength: Int { blockChannels.reduce(0, +) * Self.grid * Self.grid }

    /// Prepares `discriminator` (an unconditional DCGAN D of images shaped `imageShape`,
    /// [C, H, W]) for extraction; switches its BatchNorm layers to inference mode.
    public init(discriminator: Sequential, imageShape: [Int]) throws {
        guard imageShape.count == 3 else { throw ConfigError("features need images shaped [C, H, W], not \(imageShape)") }
        var shape = [1] + imageShape
        var channels: [Int] = []
        for layer in discriminator.layers {
            if layer is JoinLabels { throw ConfigError("features need an unconditional discriminator (this one takes class labels)") }
            guard let next = layer.outputShape(for: shape) else {
                throw ConfigError("the discriminator does not accept images of shape \(imageShape)")
            }
            shape = next
            if Self.isLeakyReLU(layer) {
                guard shape.count == 4 else { throw ConfigError("features need a convolutional discriminator (the DCGAN architecture)") }
                channels.append(shape[1])
            }
        }
        guard !channels.isEmpty else { throw ConfigError("the discriminator has no LeakyReLU blocks to take features from") }
        self.discriminator = discriminator
        self.imageShape = imageShape
        blockChannels = channels
        discriminator.setTraining(false)
    }

    private static func isLeakyReLU(_ layer: Layer) -> Bool {
        guard let activation = layer as? Activation, case .leakyReLU = activation.kind else { return false }
        return true
    }

    /// Writes the features of `batch` ([N, C, H, W] in [-1, 1]) at `output`, N x `featureLength` values.
    public func extract(_ batch: Tensor, into output: UnsafeMutablePointer<Float>) {
        precondition(Array(batch.shape.dropFirst()) == imageShape, "batch \(batch.shape) does not hold \(imageShape) images")
        let count = batch.shape[0], length = featureLength, grid2 = Self.grid * Self.grid
        var offset = 0  // where the current block's values start inside one image's vector
        var x = batch
        for layer in discriminator.layers {
            x = layer.forward(x)
            guard Self.isLeakyReLU(layer) else { continue }
            // Pooled right away: the next in-place layer may overwrite this buffer.
            let (channels, height, width) = (x.shape[1], x.shape[2], x.shape[3])
            for image in 0..<count {
                AdaptiveMaxPool.pool(x.pointer + image * channels * height * width, channels: channels, height: height,
                                     width: width, grid: Self.grid, into: output + image * length + offset)
            }
            offset += channels * grid2
            if offset == length { break }  // the final logit convolution adds nothing
        }
    }

    /// The features of every image of `dataset`, N x `featureLength` values row by row,
    /// computed `batchSize` images at a time; `progress` hears how many are done.
    public func extract(_ dataset: ImageDataset, batchSize: Int = defaultBatchSize,
                        progress: (Int) -> Void = { _ in }) -> [Float] {
        let length = featureLength
        var features = [Float](repeating: 0, count: dataset.count * length)
        features.withUnsafeMutableBufferPointer { out in
            var start = 0
            while start < dataset.count {
                let end = min(start + batchSize, dataset.count)
                let batch = Tensor(zeros: [end - start] + imageShape)
                dataset.fillBatch(batch, indices: start..<end)
                extract(batch, into: out.baseAddress! + start * length)
                start = end
                progress(end)
            }
        }
        return features
    }

    /// The raw-pixel control: each image's pixels scaled to [-1, 1], N x (C * H * W) values.
    public static func pixels(of dataset: ImageDataset) -> [Float] {
        let batch = Tensor(zeros: [dataset.count, dataset.channels, dataset.height, dataset.width])
        dataset.fillBatch(batch, indices: 0..<dataset.count)
        return batch.array
    }
}
