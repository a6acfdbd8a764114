import ArgumentParser
import DCGANData
import Foundation
import DCGANKit
import DCGANTensor

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate images from a trained checkpoint: a PNG grid, a NumPy .npy file, and/or one PNG per image.")

    @Option(help: "Checkpoint file written by `dcgan train` (runs/<run>/checkpoints/step-N.dcgan), or a run folder (its latest checkpoint).")
    var checkpoint: String
    @Option(parsing: .unconditional, help: "Number of images (conditional models: default 8 per class, a row per class).", transform: OptionRange.integer(1...OptionRange.maxImages))
    var count: Int?
    @Option(name: .customLong("class"), parsing: .unconditional, help: "Conditional models: make every image of this class (index).", transform: OptionRange.integer(0...ModelConfig.maxClasses))
    var classIndex: Int?
    @Option(help: "Conditional models: a .npy file of class indices (integers, one per image) to make.")
    var labels: String?
    @Option(parsing: .unconditional, help: "Seed for the latent vectors.", transform: OptionRange.seed)
    var seed: UInt64 = 1
    @Option(help: "Write the images as one PNG grid to this file (default samples.png when no other output is named).")
    var grid: String?
    @Option(parsing: .unconditional, help: "Grid columns.", transform: OptionRange.integer(1...1024))
    var columns = 8
    @Option(help: "Write the images to this .npy file (uint8, N x H x W or N x H x W x C); a conditional model's labels go to X_labels.npy beside it.")
    var npy: String?
    @Option(help: "Write the generator's output unrounded to this .npy file (float32, N x C x H x W, in [-1, 1]).")
    var raw: String?
    @Option(help: "Write each image as its own PNG into this folder (image-00000.png, ...).")
    var individual: String?
    @Option(help: "Write the latent vectors to this .npy file (float32, N x nz), numbered as the images; the --grid then shows each image's index (for `dcgan arithmetic`).")
    var saveZ: String?
    @Option(help: "Read the latent vectors from this .npy file (float32, N x nz or N x nz x 1 x 1) instead of drawing them.")
    var z: String?
    @Flag(help: "Normalise with each batch's statistics instead of the running averages.")
    var batchStats = false
    @Flag(help: "Replace output files that already exist.")
    var overwrite = false
    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var generatorChoice: GeneratorChoice

    func run() throws {
        try threadOptions.apply()
        let gridPath = grid ?? (npy == nil && individual == nil && raw == nil ? "samples.png" : nil)
        let labelsPath = npy.map(Self.labelsPath)
        let (trainer, header) = try generatorChoice.load(checkpoint)
        let model = header.model
        let given = try z.map { try Self.readLatent($0, shape: trainer.latent.sampleShape) }
        let classes = try sampleLabels(model, fixedCount: given?.shape[0])
        let total = given?.shape[0] ?? classes?.count ?? count ?? 64
        // Refuse before any work, so that no output is left half-made.
        let individualFiles = individual.map { SampleExport.individualPaths(folder: $0, count: total) } ?? []
        for path in [gridPath, npy, classes == nil ? nil : labelsPath, saveZ, raw].compactMap({ $0 }) + individualFiles
        where !overwrite && FileManager.default.fileExists(atPath: path) {
            throw ConfigError("\(path) exists (pass --overwrite to replace it)")
        }
        try MemoryEstimate.generation(model: model, batchSize: min(total, SampleExport.batchSize), count: total,
                                      optimizer: header.training.optimizer).require(for: "sampling \(total) images")
        let latent = given ?? SampleExport.latent(trainer, count: total, seed: seed)
        let images = SampleExport.generate(trainer, z: latent, labels: classes, batchStatistics: batchStats)
        if let saveZ {
            try AtomicFile.write(NPYWriter.encode(float32: latent.array, shape: [total, latent.count / total]), to: saveZ, overwrite: overwrite)
        }
        if let gridPath {
            if saveZ != nil {
                // With the latent vectors saved, the sheet numbers its images, so that exemplars
                // can be picked by index for `dcgan arithmetic`.
                let sheet = PixelDigits.numberedGrid(images: images, columns: columns)
                try AtomicFile.write(try PNGCodec.encode(sheet), to: gridPath, overwrite: overwrite)
            } else {
                try ImageGrid.writePNG(images: images, path: gridPath, columns: columns, overwrite: overwrite)
            }
        }
        if let npy {
            let bytes = SampleExport.bytesNHWC(images)
            let (c, h, w) = (images.shape[1], images.shape[2], images.shape[3])
            try AtomicFile.write(NPYWriter.encode(bytes, shape: c == 1 ? [total, h, w] : [total, h, w, c]), to: npy, overwrite: overwrite)
            if let classes, let labelsPath {
                try AtomicFile.write(NPYWriter.encode(int64: classes.map(Int64.init), shape: [total]), to: labelsPath, overwrite: overwrite)
            }
        }
        if let raw { try AtomicFile.write(NPYWriter.encode(float32: images.array, shape: images.shape), to: raw, overwrite: overwrite) }
        if let individual { try SampleExport.writeIndividual(images, folder: individual, overwrite: overwrite) }
        let outputs = [gridPath, npy, classes == nil ? nil : labelsPath, raw, individual, saveZ].compactMap { $0 }
        print("wrote \(total) images" + outputs.map { " to \($0)" }.joined(separator: " and"))
    }

    /// The class of each image for a conditional model: --class for all, --labels from a
    /// file, or by default `columns` images of every class in turn (a row per class).
    /// Unconditional models take no labels.
    private func sampleLabels(_ model: ModelConfig, fixedCount: Int?) throws -> [Int]? {
        let count = fixedCount ?? self.count
        guard model.isConditional else {
            guard classIndex == nil && labels == nil else { throw ConfigError("\(checkpoint) is not a conditional model: --class and --labels do not apply") }
            return nil
        }
        guard classIndex == nil || labels == nil else { throw ConfigError("give --class or --labels, not both") }
        let valid = 0..<model.classes
        if let classIndex {
            guard valid.contains(classIndex) else { throw ConfigError("--class \(classIndex) is not one of the model's classes 0...\(model.classes - 1)") }
            return Array(repeating: classIndex, count: count ?? 64)
        }
        if let labels {
            let values = try NPYReader.readIntegers(path: labels)
            guard !values.isEmpty else { throw DataError(path: labels, "holds no labels") }
            if let bad = values.first(where: { !valid.contains($0) }) {
                throw DataError(path: labels, "label \(bad) is not one of the model's classes 0...\(model.classes - 1)")
            }
            guard count == nil || count == values.count else { throw ConfigError("--count \(count!) disagrees with the \(values.count) labels of \(labels)") }
            return values
        }
        if let fixedCount { return (0..<fixedCount).map { $0 % model.classes } }
        let perClass = count.map { max(1, $0 / model.classes) } ?? columns
        return (0..<model.classes).flatMap { Array(repeating: $0, count: perClass) }
    }

    /// Latent vectors from a float32 .npy file of N x (the generator's latent shape, flattened or not).
    static func readLatent(_ path: String, shape: [Int]) throws -> Tensor {
        let (fileShape, values) = try NPYReader.readFloat32(path: path)
        let size = shape.reduce(1, *)
        guard fileShape.count >= 2, fileShape[0] >= 1, fileShape.dropFirst().reduce(1, *) == size,
              fileShape.dropFirst().filter({ $0 != 1 }).count <= 1 else {
            throw DataError(path: path, "holds an array of shape \(fileShape); the generator takes N x \(size) latent vectors")
        }
        return Tensor(shape: [fileShape[0]] + shape, values: values)
    }

    /// X.npy -> X_labels.npy.
    static func labelsPath(_ npy: String) -> String {
        (npy.hasSuffix(".npy") ? String(npy.dropLast(4)) : npy) + "_labels.npy"
    }
}
