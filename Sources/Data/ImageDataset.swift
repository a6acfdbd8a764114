import Tensor

/// Images held in memory as bytes, with optional class labels.
///
/// Pixels are stored NCHW (`pixels[((n * channels + c) * height + y) * width + x]`), the
/// layout the networks consume, so a batch is filled with one scaled copy per image.
/// The class is immutable and therefore safe to share between threads.
public final class ImageDataset: Sendable {
    public let count: Int
    public let channels: Int
    public let height: Int
    public let width: Int
    /// count x channels x height x width bytes, NCHW.
    public let pixels: [UInt8]
    /// One class index per image, or nil for unlabelled data.
    public let labels: [Int]?

    /// Bytes per image.
    public var imageSize: Int { channels * height * width }

    public init(count: Int, channels: Int, height: Int, width: Int, pixels: [UInt8], labels: [Int]? = nil) {
        precondition(count >= 0 && channels >= 1 && height >= 1 && width >= 1, "invalid dataset shape")
        precondition(pixels.count == count * channels * height * width,
                      "\(pixels.count) pixels do not make \(count) images of \(channels)x\(height)x\(width)")
        precondition(labels.map { $0.count == count } ?? true, "need one label per image")
        self.count = count
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = pixels
        self.labels = labels
    }

    /// Writes the images at `indices` into `batch`, shaped [indices.count, C, H, W],
    /// scaled from 0...255 to -1...1 (x / 127.5 - 1, the tanh range the generator produces).
    public func fillBatch(_ batch: Tensor, indices: some Collection<Int>) {
        precondition(batch.shape == [indices.count, channels, height, width],
                     "batch \(batch.shape) does not fit \(indices.count) images of \(channels)x\(height)x\(width)")
        let size = imageSize
        var target = batch.pointer
        pixels.withUnsafeBufferPointer { source in
            for index in indices {
                precondition(index >= 0 && index < count, "image index \(index) out of range 0..<\(count)")
                let image = source.baseAddress! + index * size
                for i in 0..<size { target[i] = ImageDataset.scaled[Int(image[i])] }
                target += size
            }
        }
    }

    /// Byte value -> network input, computed once: a lookup beats a divide per pixel.
    private static let scaled: [Float] = (0..<256).map { Float($0) / 127.5 - 1 }

    /// Random pixels (and random labels in 0..<classes), for benchmarks that need data of a
    /// given shape but not its content. The same seed gives the same dataset.
    public static func fake(count: Int, channels: Int, size: Int, classes: Int = 10, seed: UInt64) -> ImageDataset {
        precondition(classes >= 1, "a dataset needs at least one class")
        var rng = RandomGenerator(seed: seed)
        let pixels = (0 ..< count * channels * size * size).map { _ in UInt8(truncatingIfNeeded: rng.next() >> 56) }
        let labels = (0..<count).map { _ in Int(rng.next() % UInt64(classes)) }
        return ImageDataset(count: count, channels: channels, height: size, width: size, pixels: pixels, labels: labels)
    }
}
