import ArgumentParser
import DCGANData
import Foundation
import DCGANKit
import DCGANTensor

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate images from a trained checkpoint: a PNG grid, a NumPy .npy file, and/or one PNG per image.")

    @Option(help: "Checkpoint file written by `dcgan train` (runs/<run>/checkpoints/step-N.dcgan).")
    var checkpoint: String
    @Option(help: "Number of images.")
    var count = 64
    @Option(help: "Seed for the latent vectors.")
    var seed: UInt64 = 1
    @Option(help: "Write the images as one PNG grid to this file (default samples.png when no other output is named).")
    var grid: String?
    @Option(help: "Grid columns.")
    var columns = 8
    @Option(help: "Write the images to this .npy file (uint8, N x H x W or N x H x W x C).")
    var npy: String?
    @Option(help: "Write each image as its own PNG into this folder (image-00000.png, ...).")
    var individual: String?
    @Flag(help: "Normalise with each batch's statistics instead of the running averages.")
    var batchStats = false
    @Flag(help: "Replace output files that already exist.")
    var overwrite = false
    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        try threadOptions.apply()
        guard count >= 1 else { throw ConfigError("--count must be at least 1") }
        guard columns >= 1 else { throw ConfigError("--columns must be at least 1") }
        let gridPath = grid ?? (npy == nil && individual == nil ? "samples.png" : nil)
        // Refuse before any work, so that no output is left half-made.
        for path in [gridPath, npy].compactMap({ $0 }) where !overwrite && FileManager.default.fileExists(atPath: path) {
            throw ConfigError("\(path) exists (pass --overwrite to replace it)")
        }
        let (trainer, _) = try Checkpoint.load(path: checkpoint)
        let images = SampleExport.generate(trainer, count: count, seed: seed, batchStatistics: batchStats)
        let model = trainer.model
        if let gridPath { try ImageGrid.writePNG(images: images, path: gridPath, columns: columns, overwrite: overwrite) }
        if let npy {
            let bytes = SampleExport.bytesNHWC(images)
            let shape = model.channels == 1 ? [count, model.imageSize, model.imageSize] : [count, model.imageSize, model.imageSize, model.channels]
            try AtomicFile.write(NPYWriter.encode(bytes, shape: shape), to: npy, overwrite: overwrite)
        }
        if let individual { try SampleExport.writeIndividual(images, folder: individual, overwrite: overwrite) }
        print("wrote \(count) images" + [gridPath, npy, individual].compactMap { $0 }.map { " to \($0)" }.joined(separator: " and"))
    }
}
