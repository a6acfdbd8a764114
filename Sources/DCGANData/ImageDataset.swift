import DCGANTensor

/// Images held as bytes, with optional class labels and class names.
///
/// Pixels are stored NCHW (`pixels[((n * channels + c) * height + y) * width + x]`), the
/// layout the networks consume, so a batch is filled with one scaled copy per image. The
/// bytes live in an array or in a memory-mapped packed file; a dataset may also be a view
/// that picks some images of another one (class filters, hold-out splits) without copying.
/// The class is immutable and therefore safe to share between threads.
public final class ImageDataset: Sendable {
    /// Number of images.
    public let count: Int
    /// Channels per image: 1 (gray) or 3 (RGB).
    public let channels: Int
    /// Image height in pixels.
    public let height: Int
    /// Image width in pixels.
    public let width: Int
    /// One class index per image, or nil for unlabelled data.
    public let labels: [Int]?
    /// The name of each class index, where the source names them.
    public let classNames: [String]?
    let storage: PixelStorage
    /// Image `i` of this dataset is image `selection[i]` of `storage`; nil: the identity.
    let selection: [Int]?

    /// Bytes per image.
    public var imageSize: Int { channels * height * width }

    /// count x channels x height x width bytes, NCHW. Free for an array-backed dataset;
    /// a view or a mapped dataset copies its images out.
    public var pixels: [UInt8] {
        if selection == nil, let array = storage.array { return array }
        let size = imageSize
        var result = [UInt8](repeating: 0, count: count * size)
        result.withUnsafeMutableBufferPointer { target in
            storage.withBytes { base in
                for index in 0..<count { (target.baseAddress! + index * size).update(from: base + storageIndex(index) * size, count: size) }
            }
        }
        return result
    }

    /// A dataset over `pixels` (count x channels x height x width bytes, NCHW), with optional labels and class names.
    public convenience init(count: Int, channels: Int, height: Int, width: Int, pixels: [UInt8], labels: [Int]? = nil,
                classNames: [String]? = nil) {
        precondition(pixels.count == count * channels * height * width,
                     "\(pixels.count) pixels do not make \(count) images of \(channels)x\(height)x\(width)")
        self.init(count: count, channels: channels, height: height, width: width, storage: PixelStorage(pixels),
                  selection: nil, labels: labels, classNames: classNames)
    }

    init(count: Int, channels: Int, height: Int, width: Int, storage: PixelStorage, selection: [Int]?, labels: [Int]?,
         classNames: [String]?) {
        precondition(count >= 0 && channels >= 1 && height >= 1 && width >= 1, "invalid dataset shape")
        precondition(selection.map { $0.count == count } ?? (storage.count == count * channels * height * width),
                     "storage does not hold \(count) images of \(channels)x\(height)x\(width)")
        precondition(labels.map { $0.count == count } ?? true, "need one label per image")
        self.count = count
        self.channels = channels
        self.height = height
        self.width = width
        self.storage = storage
        self.selection = selection
        self.labels = labels
        self.classNames = classNames
    }

    /// Where image `index` sits in the storage, in images.
    @inline(__always) func storageIndex(_ index: Int) -> Int { selection?[index] ?? index }

    /// Calls `body` with a pointer to the bytes of image `index` (C x H x W); valid only inside `body`.
    public func withImage<R>(_ index: Int, _ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        precondition(index >= 0 && index < count, "image index \(index) out of range 0..<\(count)")
        return try storage.withBytes { try body($0 + storageIndex(index) * imageSize) }
    }

    /// Writes the images at `indices` into `batch`, shaped [indices.count, C, H, W],
    /// scaled from 0...255 to -1...1 (x / 127.5 - 1, the tanh range the generator produces).
    public func fillBatch(_ batch: Tensor, indices: some Collection<Int>) {
        precondition(batch.shape == [indices.count, channels, height, width],
                     "batch \(batch.shape) does not fit \(indices.count) images of \(channels)x\(height)x\(width)")
        let size = imageSize
        var target = batch.pointer
        storage.withBytes { base in
            for index in indices {
                precondition(index >= 0 && index < count, "image index \(index) out of range 0..<\(count)")
                let image = base + storageIndex(index) * size
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
