/// Which images of a dataset to use, beyond its name and location.
public struct DatasetOptions: Sendable, Equatable {
    /// The half of a dataset that ships in two (MNIST, CIFAR-10); others only have `train`.
    public var split = DataSplit.train
    /// A class filter as `ClassFilter` parses it ("5", "3,5", "cat,dog"); nil keeps all.
    public var classes: String?
    /// Fraction of the images (after a seeded shuffle) kept out of training, in [0, 1).
    public var holdout = 0.0
    /// What to read from an `hdf5` file: a uint8 array, or a group of one image per member.
    public var hdf5Key = "images"
    /// Number of random images the `fake` dataset makes.
    public var fakeCount = 1024
    /// Seeds the `fake` images and the hold-out shuffle.
    public var seed: UInt64 = 0

    /// Options with every default: the training split, all classes, no hold-out.
    public init(split: DataSplit = .train, classes: String? = nil, holdout: Double = 0, hdf5Key: String = "images",
                fakeCount: Int = 1024, seed: UInt64 = 0) {
        (self.split, self.classes, self.holdout, self.hdf5Key) = (split, classes, holdout, hdf5Key)
        (self.fakeCount, self.seed) = (fakeCount, seed)
    }
}

/// A dataset ready for training, and what is worth telling the user about how it was made.
public struct LoadedDataset: Sendable {
    /// The images to train on.
    public let training: ImageDataset
    /// The images `--holdout` kept out of training (nil without a hold-out). Nothing in the
    /// training loop reads them; they are there for evaluation against unseen data.
    public let heldOut: ImageDataset?
    /// One-line remarks (files skipped, CIFAR-10 batches missing, images held out), to print once.
    public let notes: [String]
}

/// The datasets `dcgan train --dataset NAME` can read, by name.
public enum DatasetCatalog {
    /// Names accepted by `load`.
    public static let names = ["fashion-mnist", "mnist", "cifar10", "folder", "lsun", "hdf5", "packed", "fake", "pattern1010"]

    /// Loads the named dataset from `root` (a folder; the file of an `hdf5` or `packed`
    /// dataset; an LMDB folder or data file for `lsun`),
    /// applies the class filter, converts gray <-> RGB to `channels` (nil keeps the
    /// dataset's own), resizes to `imageSize` x `imageSize` and splits off the hold-out.
    public static func load(name: String, root: String, imageSize: Int, channels: Int?,
                            options: DatasetOptions = DatasetOptions()) throws -> LoadedDataset {
        guard options.holdout >= 0 && options.holdout < 1 else {
            throw DataError(path: root, "the hold-out fraction must be in [0, 1), not \(options.holdout)")
        }
        var notes: [String] = []
        var filtered = false
        var dataset: ImageDataset
        switch name {
        case "fashion-mnist", "mnist":
            // Fashion-MNIST's names let `--classes sneaker` work; MNIST's digits are their indices.
            dataset = try MNISTDataset.load(root: root, split: options.split,
                                            classNames: name == "fashion-mnist" ? MNISTDataset.fashionClassNames : nil)
        case "cifar10":
            // Filtered while reading, so unwanted classes never take memory.
            let classes = try options.classes.map {
                try ClassFilter.parse($0, classNames: CIFAR10Dataset.classNames, classCount: CIFAR10Dataset.classNames.count, source: root)
            }
            let (images, missing) = try CIFAR10Dataset.load(root: root, split: options.split, classes: classes)
            dataset = images
            if let missing { notes.append(missing.description) }
            filtered = true
        case "folder":
            try requireTrainSplit(name, root, options)
            let (images, skipped) = try ImageFolderDataset.load(root: root, imageSize: imageSize, channels: channels ?? 3)
            dataset = images
            if let skipped { notes.append(skipped.description) }
        case "lsun":
            try requireTrainSplit(name, root, options)
            let (images, skipped) = try LMDBDataset.load(root: root, imageSize: imageSize, channels: channels ?? 3)
            dataset = images
            if let skipped { notes.append(skipped.description) }
        case "hdf5":
            try requireTrainSplit(name, root, options)
            let (images, skipped) = try HDF5Dataset.load(path: root, key: options.hdf5Key, imageSize: imageSize, channels: channels ?? 3)
            dataset = images
            if let skipped { notes.append(skipped.description) }
        case "packed":
            try requireTrainSplit(name, root, options)
            dataset = try PackedDataset.open(path: root)
        case "fake":
            try requireTrainSplit(name, root, options)
            try requireMemory(count: options.fakeCount, channels: channels ?? 3, size: imageSize, root: root)
            dataset = ImageDataset.fake(count: options.fakeCount, channels: channels ?? 3, size: imageSize, seed: options.seed)
        case "pattern1010":
            // The book's toy data: 1 x 4 patterns, whatever the image size asked for.
            try requireTrainSplit(name, root, options)
            return LoadedDataset(training: ImageDataset.pattern1010(count: options.fakeCount, seed: options.seed), heldOut: nil, notes: notes)
        default:
            throw DataError(path: root, "unknown dataset '\(name)' (known: \(names.joined(separator: ", ")))")
        }
        if let spec = options.classes, !filtered {
            let before = dataset.count
            dataset = try selectClasses(spec, of: dataset, name: name, root: root)
            if name == "fake" { notes.append("the fake images have random labels 0-9: --classes \(spec) keeps \(dataset.count) of \(before)") }
        }
        guard dataset.count >= 1 else {
            throw DataError(path: root, "no \(name) images\(options.classes.map { " of classes '\($0)'" } ?? "")")
        }
        if channels.map({ $0 != dataset.channels }) ?? false || dataset.height != imageSize || dataset.width != imageSize {
            try requireMemory(count: dataset.count, channels: channels ?? dataset.channels, size: imageSize, root: root)
        }
        if let channels, channels != dataset.channels {
            guard let converted = dataset.converted(toChannels: channels) else {
                throw DataError(path: root, "\(name) images have \(dataset.channels) channel(s) and cannot be converted to \(channels) (set --channels \(dataset.channels))")
            }
            dataset = converted
        }
        dataset = dataset.height == imageSize && dataset.width == imageSize ? dataset : dataset.resized(to: imageSize)
        guard options.holdout > 0 else { return LoadedDataset(training: dataset, heldOut: nil, notes: notes) }
        let (training, heldOut) = dataset.holdingOut(fraction: options.holdout, seed: options.seed)
        notes.append("held out \(heldOut.count) of \(dataset.count) images (--holdout \(options.holdout))")
        return LoadedDataset(training: training, heldOut: heldOut, notes: notes)
    }

    /// Refuses, before they are allocated, `count` images of `channels` x `size` x `size` bytes
    /// that do not fit in the memory available.
    static func requireMemory(count: Int, channels: Int, size: Int, root: String) throws {
        let bytes = Double(count) * Double(channels) * Double(size) * Double(size)
        if let refusal = SystemMemory.shortfall(bytes, for: "\(count) images of \(size)x\(size)x\(channels)") { throw DataError(path: root, refusal) }
    }

    private static func requireTrainSplit(_ name: String, _ root: String, _ options: DatasetOptions) throws {
        guard options.split == .train else {
            throw DataError(path: root, "the \(name) dataset has no \(options.split.rawValue) split (use --holdout to keep images out of training)")
        }
    }

    private static func selectClasses(_ spec: String, of dataset: ImageDataset, name: String, root: String) throws -> ImageDataset {
        let classCount = dataset.classNames?.count ?? (dataset.labels?.max() ?? 0) + 1
        let classes = try ClassFilter.parse(spec, classNames: dataset.classNames, classCount: classCount, source: root)
        guard let selected = dataset.selecting(classes: classes) else {
            throw DataError(path: root, "the \(name) images have no labels, so --classes cannot pick among them")
        }
        return selected
    }
}
