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
    ///
    /// The batch files that are present are read, in order; at least one must be. Missing
    /// ones (a partial download, or a batch kept aside) are not an error but are named in
    /// `missing`, for the caller to report.
    public static func load(root: String, split: DataSplit, classes: Set<Int>? = nil) throws
        -> (dataset: ImageDataset, missing: MissingBatches?) {
        let (folder, present) = try locate(root: root, split: split)
        var pixels: [UInt8] = []
        var labels: [Int] = []
        var records = 0
        for name in present {
            let path = (folder as NSString).appendingPathComponent(name)
            // A real batch is 10000 records (30 MB); allow a few times that for other packings.
            let bytes = try readFileBytes(path: path, maxBytes: 16 * 10_000 * recordSize)
            guard bytes.count % recordSize == 0 else {
                throw DataError(path: path, "truncated record: \(bytes.count) bytes is not a whole number of \(recordSize)-byte records")
            }
            records += bytes.count / recordSize
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
        let dataset = ImageDataset(count: labels.count, channels: 3, height: side, width: side, pixels: pixels, labels: labels,
                                   classNames: classNames)
        let absent = fileNames(split: split).filter { !present.contains($0) }
        let missing = absent.isEmpty ? nil : MissingBatches(folder: folder, missing: absent, readFiles: present.count, readImages: records)
        return (dataset, missing)
    }

    /// The folder holding the split's batches (`root` itself, else its `cifar-10-batches-bin`)
    /// and the batch files present there, in reading order.
    private static func locate(root: String, split: DataSplit) throws -> (folder: String, present: [String]) {
        let candidates = [root, (root as NSString).appendingPathComponent("cifar-10-batches-bin")]
        for folder in candidates {
            let present = fileNames(split: split).filter {
                FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent($0))
            }
            if !present.isEmpty { return (folder, present) }
        }
        let names = fileNames(split: split)
        let wanted = names.count == 1 ? names[0] : "\(names[0]) to \(names[names.count - 1])"
        throw DataError(path: root, "holds no CIFAR-10 \(split == .train ? "training" : "test") batch (\(wanted)), nor does its cifar-10-batches-bin subfolder (pass the folder of the CIFAR-10 binary batches as --data-root)")
    }
}

/// Batch files of a CIFAR-10 split that were not found while others were read, for one line
/// of output (a partial download must not pass for the whole training set unnoticed).
public struct MissingBatches: Sendable, Equatable, CustomStringConvertible {
    /// The folder the batches were read from.
    public let folder: String
    /// The absent batch files, in reading order.
    public let missing: [String]
    /// How many batch files were read, and how many images (before any class filter) they held.
    public let readFiles: Int
    /// Images those files held, before any class filter.
    public let readImages: Int

    /// One line naming the missing files and what was read.
    public var description: String {
        let verb = missing.count == 1 ? "is" : "are"
        return "\(folder): \(missing.joined(separator: ", ")) \(verb) missing; read \(readImages) images from the other \(readFiles) batch file\(readFiles == 1 ? "" : "s")"
    }
}
