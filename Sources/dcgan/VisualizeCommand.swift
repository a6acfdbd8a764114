import ArgumentParser
import DCGANData
import DCGANKit
import DCGANLayers
import DCGANTensor
import Foundation

/// `dcgan visualize`: guided backpropagation of the discriminator's features (section 6.2,
/// Fig. 5), for the trained D and for a randomly initialised D of the same architecture.
struct VisualizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visualize",
        abstract: "Guided backpropagation of D's most active units on real images, trained vs random D (paper section 6.2).",
        discussion: """
            For each of the --units channels of D's layer --layer with the highest mean activation over \
            the images, and each image, the gradient of that channel's largest activation with respect to \
            the image, passed through every rectifier only where its input and the gradient are both \
            positive. Writes guided-trained.png and guided-random.png (rows: units, columns: images; \
            mid-grey is zero gradient).
            """)

    @OptionGroup var experiment: ExperimentOptions
    @Option(parsing: .unconditional, help: "Index of one of D's activation layers (default: the last one).", transform: OptionRange.integer(0...1000))
    var layer: Int?
    @Option(parsing: .unconditional, help: "How many of the layer's most active channels to show.", transform: OptionRange.integer(1...1024))
    var units = 8
    @Option(parsing: .unconditional, help: "How many real images to use.", transform: OptionRange.integer(1...10_000))
    var images = 8
    @Option(help: "Dataset the real images come from (a name `dcgan train --dataset` takes).")
    var dataset = "fashion-mnist"
    @Option(help: "Folder (or file) holding the dataset.")
    var dataRoot = MNISTDataset.defaultRoot
    @Option(parsing: .unconditional, help: "Seed for the random discriminator.", transform: OptionRange.seed)
    var seed: UInt64 = 1

    func run() throws {
        // Refused before any work, so that no file is half written out of three.
        for name in ["guided-trained.png", "guided-random.png", "guided-images.png"] { _ = try experiment.path(name) }
        let (trainer, header) = try experiment.load()
        let model = header.model
        guard !model.isConditional else {
            throw ConfigError("visualize needs an unconditional model (this checkpoint's D takes class labels)")
        }
        let trained = trainer.discriminator as! Sequential
        let valid = GuidedBackprop.activationLayerIndices(trained)
        let layerIndex = layer ?? valid.last!
        guard valid.contains(layerIndex) else {
            throw ConfigError("--layer \(layerIndex) is not an activation layer of D; valid: \(valid.map(String.init).joined(separator: ", "))")
        }
        let data = try DatasetCatalog.load(name: dataset, root: dataRoot, imageSize: model.imageSize, channels: model.channels).training
        guard data.count >= images else { throw DataError(path: dataRoot, "has \(data.count) images, fewer than --images \(images)") }
        let batch = Tensor(zeros: [images, model.channels, model.imageSize, model.imageSize])
        data.fillBatch(batch, indices: 0..<images)

        let random = ModelZoo.networks(for: model).discriminator
        var rng = RandomGenerator(seed: seed)
        ModelZoo.initialize(random, for: model.architecture, rng: &rng)

        for (network, name, what) in [(trained, "guided-trained.png", "trained D"), (random, "guided-random.png", "random D")] {
            network.setTraining(false)
            network.setFrozen(true)  // only the input's gradient is wanted
            let trace = GuidedBackprop.forward(network, input: batch, through: layerIndex)
            let channels = trace.output.shape[1]
            let top = GuidedBackprop.topUnits(trace.output, count: min(units, channels))
            let perImage = batch.count / images
            let grid = Tensor(zeros: [top.count * images] + Array(batch.shape.dropFirst()))
            for (row, unit) in top.enumerated() {
                let maps = GuidedBackprop.normalised(GuidedBackprop.unitGradients(network, trace: trace, unit: unit))
                (grid.pointer + row * images * perImage).update(from: maps.pointer, count: images * perImage)
            }
            let shape = trace.output.shape.dropFirst().map(String.init).joined(separator: "x")
            print("\(what): layer \(layerIndex) (\(network.layers[layerIndex].kindName), \(shape)), units \(top.map(String.init).joined(separator: " "))")
            try experiment.write(PNGCodec.encode(ImageGrid.make(images: grid, columns: images)), to: name,
                                 what: "\(what)'s guided backpropagation")
        }
        try experiment.write(PNGCodec.encode(ImageGrid.make(images: batch, columns: images)), to: "guided-images.png", what: "the real images")
    }
}
