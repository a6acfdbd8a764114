import Foundation

/// MNIST-format datasets (MNIST, Fashion-MNIST): IDX image and label files in one folder.
public enum MNISTDataset {
    /// Which half of the data to read.
    public typealias Split = DataSplit

    /// Where Debian's `dataset-fashion-mnist` package installs the files.
    public static let defaultRoot = "/usr/share/datasets/fashion-mnist"

    /// MNIST and Fashion-MNIST both have ten classes.
    public static let classCount = 10

    /// Fashion-MNIST's class names in label order, as its authors list them; the files carry
    /// only indices, so the names come from here (MNIST's classes are the digits themselves).
    public static let fashionClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    /// Loads `{train|t10k}-images-idx3-ubyte` and `-labels-idx1-ubyte` from `root`, each
    /// gzip-compressed (`.gz`, tried first) or plain, as 1-channel images with labels, named
    /// by `classNames` when given (e.g. `fashionClassNames`).
    public static func load(root: String = defaultRoot, split: Split, maxBytes: Int = 1 << 30,
                            classNames: [String]? = nil) throws -> ImageDataset {
        precondition(classNames.map { $0.count == classCount } ?? true, "MNIST-format datasets have \(classCount) classes")
        // The distribution names the test files "t10k".
        let prefix = split == .train ? "train" : "t10k"
        let imagesPath = try locate(root: root, name: "\(prefix)-images-idx3-ubyte")
        let labelsPath = try locate(root: root, name: "\(prefix)-labels-idx1-ubyte")
        let images = try IDXFile.read(path: imagesPath, maxBytes: maxBytes)
        let labels = try IDXFile.read(path: labelsPath, maxBytes: maxBytes)
        guard images.dimensions.count == 3 else {
            throw DataError(path: imagesPath, "expected 3 dimensions (images x rows x columns), found \(images.dimensions)")
        }
        guard labels.dimensions.count == 1 else {
            throw DataError(path: labelsPath, "expected 1 dimension (one label per image), found \(labels.dimensions)")
        }
        let (count, height, width) = (images.dimensions[0], images.dimensions[1], images.dimensions[2])
        guard labels.dimensions[0] == count else {
            throw DataError(path: labelsPath, "holds \(labels.dimensions[0]) labels but \(imagesPath) holds \(count) images")
        }
        guard height >= 1, width >= 1 else {
            throw DataError(path: imagesPath, "images of \(height)x\(width) pixels are empty")
        }
        if let bad = labels.values.firstIndex(where: { Int($0) >= classCount }) {
            throw DataError(path: labelsPath, "label \(labels.values[bad]) of item \(bad) is outside 0...\(classCount - 1)")
        }
        return ImageDataset(count: count, channels: 1, height: height, width: width,
                            pixels: images.values, labels: labels.values.map(Int.init), classNames: classNames)
    }

    /// The `.gz` file if present, else the plain one; an error naming both and the package.
    private static func locate(root: String, name: String) throws -> String {
        let base = (root as NSString).appendingPathComponent(name)
        for candidate in [base + ".gz", base] where FileManager.default.fileExists(atPath: candidate) {
            return candidate
        }
        throw DataError(path: base + ".gz",
                        "not found, nor without .gz (install the Debian package dataset-fashion-mnist or pass --data-root)")
    }
}
