import ArgumentParser
import DCGANData
import DCGANKit
import DCGANTensor
import Foundation

struct ArithmeticCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arithmetic",
        abstract: "Vector arithmetic on latent vectors (the paper's section 6.3.2, Figs. 7-8): mean(A) - mean(B) + mean(C), and turn vectors.",
        discussion: """
            Make latent vectors with `dcgan sample --save-z z.npy`, draw them numbered with --sheet \
            (sheet.png), and pick a few exemplars per concept by index (the paper averages three, since single \
            samples were unstable). --a/--b/--c write arithmetic.png: a row per term (its exemplars, then the \
            image of their mean), then a 3x3 block whose centre is the result and whose 8 neighbours add uniform \
            noise in [-0.25, 0.25]. --turn-from/--turn-to write turn.png: 10 images from the mean of one group \
            to the mean of the other.
            """)

    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var generatorChoice: GeneratorChoice
    @Option(help: "Latent vectors (float32 .npy, N x nz) as `dcgan sample --save-z` writes them.")
    var z: String
    @Flag(help: "Write sheet.png: the images of every vector with its index under it.")
    var sheet = false
    @Option(parsing: .unconditional, help: "Columns of the numbered sheet.", transform: OptionRange.integer(1...1024))
    var columns = 16
    @Option(help: "Indices of the exemplars of term A (comma-separated).")
    var a: String?
    @Option(help: "Indices of the exemplars of term B, subtracted.")
    var b: String?
    @Option(help: "Indices of the exemplars of term C, added.")
    var c: String?
    @Option(help: "Indices of the group the turn starts from.")
    var turnFrom: String?
    @Option(help: "Indices of the group the turn ends at.")
    var turnTo: String?
    @Option(parsing: .unconditional, help: "Seed for the noise around the result.", transform: OptionRange.seed)
    var seed: UInt64 = 1
    @Option(name: .customLong("class"), parsing: .unconditional, help: "Conditional models: the class every image is made as.", transform: OptionRange.integer(0...ModelConfig.maxClasses))
    var classIndex = 0
    @Flag(help: "Normalise with each batch's statistics instead of the running averages.")
    var batchStats = false

    /// Images in the turn row.
    static let turnLength = 10

    func run() throws {
        let terms = [a, b, c].compactMap { $0 }
        guard sheet || !terms.isEmpty || turnFrom != nil || turnTo != nil else {
            throw ConfigError("nothing to do: give --sheet, --a/--b/--c, or --turn-from/--turn-to")
        }
        guard terms.isEmpty || terms.count == 3 else { throw ConfigError("give all three terms --a, --b and --c (result = A - B + C)") }
        guard (turnFrom == nil) == (turnTo == nil) else { throw ConfigError("give --turn-from and --turn-to together") }
        var outputs = [String]()
        if sheet { outputs.append("sheet.png") }
        if !terms.isEmpty { outputs.append("arithmetic.png") }
        if turnFrom != nil { outputs.append("turn.png") }
        for name in outputs { _ = try experiment.path(name) }

        let (trainer, header) = try experiment.load(rawGenerator: generatorChoice.rawGenerator)
        let model = header.model
        if model.isConditional {
            guard (0..<model.classes).contains(classIndex) else {
                throw ConfigError("--class \(classIndex) is not one of the model's classes 0...\(model.classes - 1)")
            }
        }
        let latent = try SampleCommand.readLatent(z, shape: trainer.latent.sampleShape)
        let count = latent.shape[0], d = latent.count / count
        let vectors = (0..<count).map { Array(latent.buffer[($0 * d)..<(($0 + 1) * d)]) }
        // Parse every group before any image is made, so bad input leaves nothing behind.
        let groups = try [("--a", a), ("--b", b), ("--c", c)].compactMap { name, text in try text.map { try Self.indices($0, option: name, count: count) } }
        let turn = try turnFrom.map { (try Self.indices($0, option: "--turn-from", count: count),
                                       try Self.indices(turnTo!, option: "--turn-to", count: count)) }

        func images(_ z: [[Float]]) -> Tensor {
            let tensor = Tensor(shape: [z.count] + trainer.latent.sampleShape, values: z.flatMap { $0 })
            let labels = model.isConditional ? Array(repeating: classIndex, count: z.count) : nil
            return SampleExport.generate(trainer, z: tensor, labels: labels, batchStatistics: batchStats)
        }

        if sheet {
            let grid = PixelDigits.numberedGrid(images: images(vectors), columns: columns)
            try experiment.write(try PNGCodec.encode(grid), to: "sheet.png", what: "\(count) numbered images")
        }
        if !groups.isEmpty {
            let means = groups.map { LatentArithmetic.mean(of: $0, in: vectors) }
            let result = LatentArithmetic.combine(means[0], minus: means[1], plus: means[2])
            let neighbours = LatentArithmetic.neighbours(of: result, count: 8, radius: 0.25, seed: seed)
            // Term rows: exemplars, blank tiles, then the mean in the last column; under them
            // the 3x3 block, right-aligned, with the result in its centre.
            let width = max(groups.map(\.count).max()! + 1, 3)
            let blank: [Float]? = nil
            var tiles = [[Float]?]()
            for (group, mean) in zip(groups, means) {
                tiles += group.map { Optional(vectors[$0]) } + Array(repeating: blank, count: width - group.count - 1) + [mean]
            }
            let block = Array(neighbours[0..<4]) + [result] + Array(neighbours[4..<8])
            for row in 0..<3 { tiles += Array(repeating: blank, count: width - 3) + block[(row * 3)..<(row * 3 + 3)].map { Optional($0) } }
            try experiment.write(try PNGCodec.encode(ImageGrid.make(images: imagesWithBlanks(tiles, make: images), columns: width)),
                                 to: "arithmetic.png", what: "A - B + C")
            for (name, group) in zip(["A", "B", "C"], groups) { print("\(name) = mean of z[\(group.map(String.init).joined(separator: ","))]") }
            print("result = A - B + C, with 8 neighbours of uniform noise in [-0.25, 0.25] (seed \(seed))")
        }
        if let (from, to) = turn {
            let start = LatentArithmetic.mean(of: from, in: vectors), end = LatentArithmetic.mean(of: to, in: vectors)
            let row = (0..<Self.turnLength).map { LatentPaths.lerp(start, end, t: Float($0) / Float(Self.turnLength - 1)) }
            try experiment.write(try PNGCodec.encode(ImageGrid.make(images: images(row), columns: Self.turnLength)),
                                 to: "turn.png", what: "\(Self.turnLength) images from mean z[\(from.map(String.init).joined(separator: ","))] to mean z[\(to.map(String.init).joined(separator: ","))]")
        }
    }

    /// Images of `tiles`, where a nil tile stays empty (black).
    private func imagesWithBlanks(_ tiles: [[Float]?], make: ([[Float]]) -> Tensor) -> Tensor {
        let filled = tiles.indices.filter { tiles[$0] != nil }
        let made = make(filled.map { tiles[$0]! })
        let perImage = made.count / made.shape[0]
        let result = Tensor(repeating: -1, shape: [tiles.count] + made.shape.dropFirst())
        for (position, index) in filled.enumerated() {
            (result.pointer + index * perImage).update(from: made.pointer + position * perImage, count: perImage)
        }
        return result
    }

    /// "1,5,9" -> [1, 5, 9], each checked against the `count` vectors.
    static func indices(_ text: String, option: String, count: Int) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var result = [Int]()
        for part in parts {
            guard let index = Int(part) else { throw ConfigError("\(option): '\(part)' is not an index (give a comma-separated list such as 1,5,9)") }
            guard (0..<count).contains(index) else {
                throw ConfigError("\(option): index \(index) is out of range: the z file holds \(count) vectors (indices 0...\(count - 1))")
            }
            result.append(index)
        }
        return result
    }
}
