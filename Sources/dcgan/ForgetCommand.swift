import ArgumentParser
import DCGANData
import DCGANKit
import DCGANLayers
import DCGANTensor
import Foundation

/// `dcgan forget`: "forgetting to draw an object" (section 6.3.1, Fig. 6).
struct ForgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Drop the generator feature maps that fire on boxed objects and draw again (paper section 6.3.1).",
        discussion: """
            --boxes is a JSON list [{"sample": 3, "box": [x0, y0, x1, y1]}, ...] of half-open pixel boxes on \
            the samples `dcgan sample --seed S --count N` draws (same S and N). A logistic regression on the \
            feature maps that feed G's last transposed convolution predicts, for every position of the \
            marked samples, whether it lies inside a box; the maps with a positive weight are zeroed (as the \
            paper's code drops those with weight > 0) and the same latent vectors are drawn again: \
            forget-before.png and forget-after.png.
            """)

    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var generatorChoice: GeneratorChoice
    @Option(help: "JSON file of boxes drawn on the samples.")
    var boxes: String
    @Option(parsing: .unconditional, help: "Seed of the latent vectors (as `dcgan sample --seed`).", transform: OptionRange.seed)
    var seed: UInt64 = 1
    @Option(parsing: .unconditional, help: "Number of samples drawn (as `dcgan sample --count`).", transform: OptionRange.integer(1...10_000))
    var count = 64
    @Option(parsing: .unconditional, help: "L2 regularisation of the logistic regression.", transform: OptionRange.real(0, 1e6, openLower: true))
    var l2 = 1e-3
    @Flag(help: "Also draw with as many randomly chosen maps dropped (forget-random.png), as a control.")
    var randomControl = false
    @Option(parsing: .unconditional, help: "Grid columns.", transform: OptionRange.integer(1...1024))
    var columns = 8

    func run() throws {
        for name in ["forget-before.png", "forget-after.png"] + (randomControl ? ["forget-random.png"] : []) { _ = try experiment.path(name) }
        let (trainer, header) = try experiment.load(rawGenerator: generatorChoice.rawGenerator)
        let model = header.model
        guard !model.isConditional else { throw ConfigError("forget needs an unconditional model (this generator takes class labels)") }
        let generator = trainer.sampler as! Sequential
        guard let featureLayer = Forgetting.lastTransposedConvolution(generator), featureLayer > 0 else {
            throw ConfigError("forget needs a convolutional generator (DCGAN); this one (\(model.architecture)) has no transposed convolution")
        }
        let marked = try Forgetting.readBoxes(path: boxes, sampleCount: count, imageWidth: model.imageSize, imageHeight: model.imageSize)

        generator.setTraining(false)  // running statistics, as `dcgan sample` draws by default
        let z = SampleExport.latent(trainer, count: count, seed: seed)
        let features = Forgetting.features(generator, z: z, feeding: featureLayer)
        let set = Forgetting.trainingSet(features: features, boxes: marked, imageHeight: model.imageSize, imageWidth: model.imageSize)
        let regression = LogisticRegression.fit(rows: set.rows, featureCount: set.featureCount, labels: set.labels, l2: l2)
        var correct = 0
        for r in 0..<set.labels.count {
            let p = regression.probability(set.rows[(r * set.featureCount)..<((r + 1) * set.featureCount)])
            if (p > 0.5) == (set.labels[r] > 0.5) { correct += 1 }
        }
        let markedSamples = Set(marked.map { $0.sample }).count
        let positives = set.labels.filter { $0 > 0.5 }.count
        let dropped = Forgetting.mapsToDrop(regression)
        print("""
            regression on \(set.labels.count) positions (\(positives) inside boxes) of \(markedSamples) samples, \
            \(set.featureCount) maps of \(features.shape[2])x\(features.shape[3]) (input of layer \(featureLayer)): \
            \(String(format: "%.1f", 100 * Double(correct) / Double(set.labels.count)))% of positions classified correctly
            """)
        print("dropped \(dropped.count) of \(set.featureCount) feature maps (weight > 0)")

        let before = Forgetting.draw(generator, z: z, feeding: featureLayer, dropping: [])
        let after = Forgetting.draw(generator, z: z, feeding: featureLayer, dropping: dropped)
        var drawings = [("before", before), ("after", after)]
        if randomControl {
            var rng = RandomGenerator(seed: seed)
            let randomMaps = Set((0..<set.featureCount).shuffled(using: &rng).prefix(dropped.count))
            drawings.append(("random \(randomMaps.count) dropped", Forgetting.draw(generator, z: z, feeding: featureLayer, dropping: randomMaps)))
        }
        for (what, images) in drawings {
            let means = Forgetting.meanInsideAndOutside(images, boxes: marked)
            print("\(what): mean pixel inside the boxes \(String(format: "%.3f", means.inside)), outside \(String(format: "%.3f", means.outside)) (marked samples, -1 black .. 1 white)")
        }
        try experiment.write(PNGCodec.encode(ImageGrid.make(images: before, columns: columns)), to: "forget-before.png", what: "the samples")
        try experiment.write(PNGCodec.encode(ImageGrid.make(images: after, columns: columns)), to: "forget-after.png",
                             what: "the samples without the \(dropped.count) maps")
        if randomControl {
            try experiment.write(PNGCodec.encode(ImageGrid.make(images: drawings[2].1, columns: columns)), to: "forget-random.png",
                                 what: "the samples without \(dropped.count) random maps")
        }
    }
}
