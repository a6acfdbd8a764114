import ArgumentParser
import DCGANData
import Foundation
import DCGANKit
import DCGANTensor

/// `dcgan dataset`: prepares datasets for training.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Pack a dataset into one memory-mapped file, or describe a packed file.",
        subcommands: [Pack.self, Info.self])

    struct Pack: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode, crop and resize a dataset once into a packed file that training maps (--dataset packed).")

        @Argument(help: "The dataset's folder (or file, for hdf5 and lsun).")
        var source: String
        @Option(help: "Dataset kind: \(DatasetCatalog.names.joined(separator: ", ")).")
        var dataset: String
        @Option(help: "The packed file to write.")
        var out: String
        @Option(parsing: .unconditional, help: "Image height and width to store.", transform: OptionRange.integer(1...OptionRange.maxImageSize))
        var imageSize: Int
        @Option(parsing: .unconditional, help: "Channels to store, 1 (gray) or 3 (RGB); default: the dataset's own.", transform: OptionRange.integer(1...3))
        var channels: Int?
        @Option(help: "Part of a dataset that ships in two: train or test.")
        var split = "train"
        @Option(help: "Keep only these classes: an index (5), a list (3,5) or names (cat,dog).")
        var classes: String?
        @Option(help: "What an hdf5 dataset reads: a uint8 array (N x H x W x C, N x H x W, or one H x W x C image) or a group of one image per member.")
        var hdf5Key = "images"
        @Flag(help: "Replace an existing --out file.")
        var overwrite = false
        @OptionGroup var threadOptions: ThreadOptions

        func run() throws {
            try threadOptions.apply()
            guard channels.map({ $0 == 1 || $0 == 3 }) ?? true else { throw ConfigError("--channels must be 1 or 3") }
            guard let dataSplit = DataSplit(rawValue: split) else { throw ConfigError("unknown split '\(split)' (train or test)") }
            let loaded = try DatasetCatalog.load(name: dataset, root: source, imageSize: imageSize, channels: channels,
                                                 options: DatasetOptions(split: dataSplit, classes: classes, hdf5Key: hdf5Key))
            for note in loaded.notes { print(note) }
            let images = loaded.training
            try PackedDataset.write(images, source: "\(dataset) \(source)", to: out, overwrite: overwrite)
            print("packed \(images.count) images of \(images.channels)x\(images.height)x\(images.width)"
                  + (images.labels == nil ? "" : " with labels") + " into \(out)")
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a packed file's counts, image shape and classes, checking its checksums; optionally save a sample grid.")

        @Argument(help: "A packed dataset file.")
        var file: String
        @Option(help: "Write a grid of the first images to this PNG file.")
        var grid: String?
        @Option(parsing: .unconditional, help: "Images in the grid.", transform: OptionRange.integer(1...65_536))
        var gridCount = 64
        @Flag(help: "Replace an existing --grid file.")
        var overwrite = false

        func run() throws {
            let header = try PackedDataset.header(path: file)
            let images = try PackedDataset.open(path: file)
            print("\(file): \(images.count) images of \(images.channels)x\(images.height)x\(images.width) (channels x height x width), from \(header.source)")
            let counts = images.classCounts()
            if images.labels != nil {
                let classCount = images.classNames?.count ?? (counts.keys.max() ?? 0) + 1
                print("\(counts.count) of \(classCount) classes present:")
                for index in 0..<classCount where counts[index] != nil {
                    let name = images.classNames.map { " \($0[index])" } ?? ""
                    print("  \(index)\(name): \(counts[index]!)")
                }
            } else {
                print("no labels")
            }
            guard let grid else { return }
            let batch = Tensor(zeros: [min(gridCount, images.count), images.channels, images.height, images.width])
            images.fillBatch(batch, indices: 0..<batch.shape[0])
            try ImageGrid.writePNG(images: batch, path: grid, overwrite: overwrite)
            print("wrote \(batch.shape[0]) images to \(grid)")
        }
    }
}
