/// The datasets `dcgan train --dataset NAME` can read, by name.
public enum DatasetCatalog {
    /// Names accepted by `load`.
    public static let names = ["fashion-mnist", "mnist", "fake"]

    /// Loads the named dataset from `root` and resizes it to `imageSize` x `imageSize`.
    /// `fake` makes `fakeCount` random images with `channels` channels (for benchmarks and smoke runs).
    public static func load(name: String, root: String, imageSize: Int, channels: Int, split: MNISTDataset.Split = .train,
                            fakeCount: Int = 1024, seed: UInt64 = 0) throws -> ImageDataset {
        let dataset: ImageDataset
        switch name {
        case "fashion-mnist", "mnist":
            dataset = try MNISTDataset.load(root: root, split: split)
        case "fake":
            dataset = ImageDataset.fake(count: fakeCount, channels: channels, size: imageSize, seed: seed)
        default:
            throw DataError(path: root, "unknown dataset '\(name)' (known: \(names.joined(separator: ", ")))")
        }
        guard dataset.channels == channels else {
            throw DataError(path: root, "\(name) images have \(dataset.channels) channel(s), the model asks for \(channels) (set --channels \(dataset.channels))")
        }
        return dataset.height == imageSize && dataset.width == imageSize ? dataset : dataset.resized(to: imageSize)
    }
}
