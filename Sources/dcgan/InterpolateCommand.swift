import ArgumentParser
import DCGANData
import DCGANKit
import DCGANTensor
import Foundation

struct InterpolateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interpolate",
        abstract: "Walk through the latent space (the paper's section 6.1, Fig. 4): paths through random points, as PNG grids and GIFs.",
        discussion: """
            Each of --rows paths runs through --points random latent points drawn with --seed, with --steps \
            images per segment (the segment's start point and steps - 1 images between it and the next \
            point), ending on its last point. walk-<mode>.png shows a path per row; walk-<mode>.gif moves \
            along all paths at once, each frame a column with one image per path. A conditional model keeps \
            one class per path: path r shows class r modulo the number of classes.
            """)

    enum ModeChoice: String, ExpressibleByArgument, CaseIterable { case linear, slerp, both }

    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var generatorChoice: GeneratorChoice
    @Option(parsing: .unconditional, help: "Number of paths (rows).", transform: OptionRange.integer(1...64))
    var rows = 8
    @Option(parsing: .unconditional, help: "Random latent points each path runs through.", transform: OptionRange.integer(2...100))
    var points = 9
    @Option(parsing: .unconditional, help: "Images per segment between consecutive points.", transform: OptionRange.integer(1...100))
    var steps = 8
    @Option(parsing: .unconditional, help: "Seed for the latent points.", transform: OptionRange.seed)
    var seed: UInt64 = 1
    @Option(help: "Interpolation: linear, slerp (great circles) or both.")
    var mode: ModeChoice = .both
    @Option(parsing: .unconditional, help: "Hundredths of a second per GIF frame (11: about 9 frames a second).", transform: OptionRange.integer(1...65_535))
    var delay = 11
    @Flag(help: "Normalise with each batch's statistics instead of the running averages.")
    var batchStats = false

    func run() throws {
        let modes: [LatentPaths.Mode] = mode == .both ? LatentPaths.Mode.allCases : [LatentPaths.Mode(rawValue: mode.rawValue)!]
        let names = modes.flatMap { ["walk-\($0.rawValue).png", "walk-\($0.rawValue).gif"] }
        for name in names { _ = try experiment.path(name) }
        let (trainer, header) = try experiment.load(rawGenerator: generatorChoice.rawGenerator)
        let model = header.model
        let latent = SampleExport.latent(trainer, count: rows * points, seed: seed)
        let d = latent.count / (rows * points)
        let series = (0..<rows).map { r in
            (0..<points).map { p in Array(latent.buffer[((r * points + p) * d)..<((r * points + p + 1) * d)]) }
        }
        let length = LatentPaths.pathLength(points: points, steps: steps)
        let labels = model.isConditional ? (0..<rows).flatMap { Array(repeating: $0 % model.classes, count: length) } : nil
        for mode in modes {
            let z = Tensor(shape: [rows * length] + trainer.latent.sampleShape,
                           values: LatentPaths.paths(through: series, steps: steps, mode: mode))
            let images = SampleExport.generate(trainer, z: z, labels: labels, batchStatistics: batchStats)
            try experiment.write(try PNGCodec.encode(ImageGrid.make(images: images, columns: length)),
                                 to: "walk-\(mode.rawValue).png", what: "\(rows) \(mode.rawValue) paths of \(length) images")
            try experiment.write(try GIFEncoder.encode(frames: Self.frames(images, rows: rows, length: length), delay: delay),
                                 to: "walk-\(mode.rawValue).gif", what: "\(length) frames")
        }
    }

    /// Frame i: image i of every path, one above the other (a column of the PNG grid).
    static func frames(_ images: Tensor, rows: Int, length: Int) -> [RasterImage] {
        let perImage = images.count / images.shape[0]
        let frame = Tensor(zeros: [rows] + images.shape.dropFirst())
        return (0..<length).map { i in
            for r in 0..<rows {
                (frame.pointer + r * perImage).update(from: images.pointer + (r * length + i) * perImage, count: perImage)
            }
            return ImageGrid.make(images: frame, columns: 1)
        }
    }
}
