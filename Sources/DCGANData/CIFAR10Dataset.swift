import Foundation

/// CIFAR-10 in its binary distribution (`cifar-10-batches-bin`): 60000 32x32 RGB images in
/// ten classes, as five training batches and one test batch.
///
/// Each batch file is a run of 3073-byte records: one label byte (0...9), then the 1024 red,
/// 1024 green and 1024 blue bytes of the image, rows top to bottom — already the NCHW layout
/// `ImageDataset` keeps.
public enum CIFAR10Dataset {
    /// The class names, in label order.
    public static let classNames = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    /// Side of every image.
    public static let side = 32
    /// Bytes per record: the label, then 3 x 32 x 32 pixels.
    public static let recordSize = 1 + 3 * side * side

    /// The batch files of a split, in reading order.
    public static func fileNames(split: DataSplit) -> [String] {
        split == .train ? (1...5).map { "data_batch_\($0).bin" } : ["test_batch.bin"]
    }

    /// Loads a split from `root` (or from its `cifar-10-batches-bin` subfolder), keeping
    /// only the images whose class is in `classes` (nil: all ten).
    public static func load(root: String, split: DataSplit, classes: Set<Int>? = nil) throws -> ImageDataset {
        let folder = try locate(root: root, split: split)
        var pixels: [UInt8] = []
        var labels: [Int] = []
        for name in fileNames(split: split) {
            let path = (folder as NSString).appendingPathComponent(name)
            // A real batch is 10000 records (30 MB); allow a few times that for other packings.
            let bytes = try readFileBytes(path: path, maxBytes: 16 * 10_000 * recordSize)
            guard bytes.count % recordSize == 0 else {
                throw DataError(path: path, "truncated record: \(bytes.count) bytes is not a whole number of \(recordSize)-byte records")
            }
            for start in stride(from: 0, to: bytes.count, by: recordSize) {
                let label = Int(bytes[start])
                guard label < classNames.count else {
                    throw DataError(path: path, "label \(label) of record \(start / recordSize) is outside 0...\(classNames.count - 1)")
                }
                if let classes, !classes.contains(label) { continue }
                labels.append(label)
                pixels.append(contentsOf: bytes[(start + 1) ..< (start + recordSize)])
            }
        }
        return ImageDataset(count: labels.count, channels: 3, height: side, width: side, pixels: pixels, labels: labels,
                            classNames: classNames)
    }

    /// `root` itself when it holds the split's first file, else its `cifar-10-batches-bin`.
    private static func locate(root: String, split: DataSplit) throws -> String {
        let first = fileNames(split: split)[0]
        let candidates = [root, (root as NSString).appendingPathComponent("cifar-10-batches-bin")]
        for folder in candidates where FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(first)) {
            return folder
        }
        throw DataError(path: (root as NSString).appendingPathComponent(first),
                        "not found, nor in its cifar-10-batches-bin subfolder (pass the folder of the CIFAR-10 binary batches as --data-root)")
    }
}
