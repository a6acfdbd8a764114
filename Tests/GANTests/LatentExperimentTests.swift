import DCGANData
import DCGANKit
import DCGANTensor
import Foundation
import Testing

private func norm(_ v: [Float]) -> Float { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
private func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
private func close(_ a: [Float], _ b: [Float], tolerance: Float = 1e-5) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
}

@Suite struct LatentPathsTests {
    let a: [Float] = [3, 0, 4, 0], b: [Float] = [0, 5, 0, 0]

    @Test func slerpEndpointsAreExact() {
        #expect(LatentPaths.slerp(a, b, t: 0) == a)
        #expect(LatentPaths.slerp(a, b, t: 1) == b)
    }

    @Test func slerpMidpointKeepsNormAndBisectsTheAngle() {
        let middle = LatentPaths.slerp(a, b, t: 0.5)
        #expect(abs(norm(middle) - 5) < 1e-5)
        let cosA = dot(middle, a) / (norm(middle) * norm(a)), cosB = dot(middle, b) / (norm(middle) * norm(b))
        #expect(abs(cosA - cosB) < 1e-6)
        // a and b are orthogonal: the midpoint is 45 degrees from each.
        #expect(abs(cosA - Float(0.5).squareRoot()) < 1e-5)
        // A straight line would cut the corner: its midpoint is shorter.
        #expect(norm(LatentPaths.lerp(a, b, t: 0.5)) < 4)
    }

    @Test func slerpOfParallelVectorsFallsBackToLerp() {
        let u: [Float] = [1, 2, 3], v: [Float] = [2, 4, 6]
        let middle = LatentPaths.slerp(u, v, t: 0.5)
        #expect(close(middle, [1.5, 3, 4.5]))
        #expect(middle.allSatisfy { $0.isFinite })
        #expect(LatentPaths.slerp([0, 0], [1, 1], t: 0.25) == [0.25, 0.25])
    }

    @Test func lerpMidpoint() {
        #expect(LatentPaths.lerp([0, 2, -4], [2, 4, 4], t: 0.5) == [1, 3, 0])
        #expect(LatentPaths.lerp([0, 2], [2, 4], t: 0.25) == [0.5, 2.5])
    }

    @Test func pathsHitEveryPointExactlyAndHaveTheStatedLength() {
        var rng = RandomGenerator(seed: 3)
        let (rows, points, steps, d) = (3, 4, 5, 6)
        let series = (0..<rows).map { _ in (0..<points).map { _ in (0..<d).map { _ in rng.normal() } } }
        #expect(LatentPaths.pathLength(points: points, steps: steps) == 16)
        for mode in LatentPaths.Mode.allCases {
            let path = LatentPaths.paths(through: series, steps: steps, mode: mode)
            #expect(path.count == (rows * (points - 1) * steps + rows) * d)
            let length = LatentPaths.pathLength(points: points, steps: steps)
            for r in 0..<rows {
                for p in 0..<points {
                    let offset = (r * length + p * steps) * d
                    #expect(Array(path[offset..<(offset + d)]) == series[r][p], "row \(r) point \(p) \(mode)")
                }
                // Between two points the path moves: step 1 lies strictly between its segment's ends.
                let first = (r * length + 1) * d
                let expected = LatentPaths.interpolate(series[r][0], series[r][1], t: 1 / Float(steps), mode: mode)
                #expect(Array(path[first..<(first + d)]) == expected)
            }
        }
    }
}

@Suite struct LatentArithmeticTests {
    let vectors: [[Float]] = [[1, 0, 0], [3, 0, 0], [0, 2, 0], [0, 4, 0], [0, 0, 6], [5, 5, 5]]

    @Test func meanOfExemplars() {
        #expect(LatentArithmetic.mean(of: [0, 1], in: vectors) == [2, 0, 0])
        #expect(LatentArithmetic.mean(of: [0, 2, 4], in: vectors) == [1.0 / 3, 2.0 / 3, 2])
        #expect(LatentArithmetic.mean(of: [5], in: vectors) == [5, 5, 5])
    }

    @Test func aMinusBPlusC() {
        let a = LatentArithmetic.mean(of: [0, 1], in: vectors)  // [2, 0, 0]
        let b = LatentArithmetic.mean(of: [2, 3], in: vectors)  // [0, 3, 0]
        let c = LatentArithmetic.mean(of: [4, 5], in: vectors)  // [2.5, 2.5, 5.5]
        #expect(LatentArithmetic.combine(a, minus: b, plus: c) == [4.5, -0.5, 5.5])
        #expect(LatentArithmetic.combine([1, 1], minus: [1, 1], plus: [0, 0]) == [0, 0])
    }

    @Test func neighboursStayWithinTheRadiusAndRepeatWithTheSeed() {
        let center: [Float] = [0.5, -1, 2, 0, 10]
        let neighbours = LatentArithmetic.neighbours(of: center, count: 8, radius: 0.25, seed: 4)
        #expect(neighbours.count == 8)
        for n in neighbours {
            #expect(zip(n, center).allSatisfy { abs($0 - $1) <= 0.25 })
            #expect(n != center)
        }
        #expect(neighbours == LatentArithmetic.neighbours(of: center, count: 8, radius: 0.25, seed: 4))
        #expect(neighbours != LatentArithmetic.neighbours(of: center, count: 8, radius: 0.25, seed: 5))
        // The noise fills its range rather than sitting near 0.
        let largest = neighbours.flatMap { zip($0, center).map { abs($0 - $1) } }.max()!
        #expect(largest > 0.15)
    }
}

@Suite struct PixelDigitsTests {
    @Test func digitsAreDrawnWhereAsked() {
        var image = RasterImage(width: 10, height: 7, channels: 1, pixels: [UInt8](repeating: 0, count: 70))
        PixelDigits.draw(17, into: &image, x: 1, y: 1)
        #expect(PixelDigits.width(of: 17) == 7)
        // "1": middle column all lit, top-left off; "7": the top row lit, the bottom-left off.
        #expect((1...5).allSatisfy { image.pixels[$0 * 10 + 2] == 255 })
        #expect(image.pixels[1 * 10 + 1] == 0)
        #expect((5...7).allSatisfy { image.pixels[1 * 10 + $0] == 255 })
        #expect(image.pixels[5 * 10 + 5] == 0 && image.pixels[5 * 10 + 6] == 255)
        // Nothing outside the two glyphs.
        #expect(image.pixels[0..<10].allSatisfy { $0 == 0 } && image.pixels[60..<70].allSatisfy { $0 == 0 })
    }

    @Test func numberedGridAddsAStripPerRow() {
        let images = Tensor(repeating: -1, shape: [5, 1, 4, 4])
        let sheet = PixelDigits.numberedGrid(images: images, columns: 3, padding: 2)
        let plain = ImageGrid.make(images: images, columns: 3, padding: 2)
        #expect(sheet.width == plain.width)
        #expect(sheet.height == plain.height + 2 * (PixelDigits.glyphHeight + 2))
        #expect(sheet.pixels.contains(255))
    }
}

@Suite struct NearestImagesTests {
    @Test func kNearestOnATinySetWithKnownAnswer() {
        // Points on a line at 0, 1, 3, 7, 10 (2-D, second coordinate 0).
        let references: [Float] = [0, 0, 1, 0, 3, 0, 7, 0, 10, 0]
        let queries: [Float] = [2.9, 0, 8, 0, -1, 0]
        let result = NearestImages.search(queries: queries, references: references, dimension: 2, k: 3)
        #expect(result.map { $0.map(\.index) } == [[2, 1, 0], [3, 4, 2], [0, 1, 2]])
        #expect(abs(result[0][0].distance - 0.1) < 1e-4)
        #expect(abs(result[1][1].distance - 2) < 1e-4)
        #expect(abs(result[2][2].distance - 4) < 1e-4)
        #expect(abs(NearestImages.meanNearestDistance(queries: queries, references: references, dimension: 2) - (0.1 + 1 + 1) / 3) < 1e-4)
    }

    @Test func tiesGoToTheLowerIndexAndManyQueriesSpanBlocks() {
        let references: [Float] = [1, 1, 1, 1, 5, 5]
        let queries = [Float](repeating: 1, count: 600 * 2)
        let result = NearestImages.search(queries: queries, references: references, dimension: 2, k: 2)
        #expect(result.count == 600)
        #expect(result.allSatisfy { $0.map(\.index) == [0, 1] && $0[0].distance == 0 })
    }
}

/// The three experiment commands through the built tool: outputs on good input, one-line
/// errors on bad input.
@Suite(.serialized) struct LatentExperimentCommandTests {
    static func tinyRun(_ name: String, conditional: Bool = false) throws -> String {
        let run = Tiny.folder(name) + "/run"
        try CommandLineTests.trainTiny(into: run, conditional ? ["--conditional"] : [])
        return run
    }

    static func pngSize(_ path: String) throws -> (Int, Int) {
        let image = try PNGCodec.decode(bytes: [UInt8](FileManager.default.contents(atPath: path) ?? Data()), path: path)
        return (image.width, image.height)
    }

    @Test func interpolateWritesGridsAndAnimations() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        for conditional in [false, true] {
            let run = try Self.tinyRun("interp", conditional: conditional), out = Tiny.folder("interp-out")
            let outcome = try CommandLineTests.run(["interpolate", "--checkpoint", run, "--out", out, "--rows", "3", "--points", "3", "--steps", "4"])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            for mode in ["linear", "slerp"] {
                // 3 rows of (3 - 1) * 4 + 1 = 9 images of 28 pixels with 2 pixels of padding.
                #expect(try Self.pngSize(out + "/walk-\(mode).png") == (9 * 30 + 2, 3 * 30 + 2))
                let gif = [UInt8](FileManager.default.contents(atPath: out + "/walk-\(mode).gif") ?? Data())
                #expect(gif.starts(with: Array("GIF89a".utf8)))
            }
        }
        let run = try Self.tinyRun("interp-bad"), out = Tiny.folder("interp-bad-out")
        try CommandLineTests.expectFailure(["interpolate", "--checkpoint", run, "--out", out, "--points", "1"], mentions: "--points",
                                           mustNotExist: out + "/walk-linear.png")
        // The argument parser answers an unknown mode itself, with its usage lines.
        let spiral = try CommandLineTests.run(["interpolate", "--checkpoint", run, "--out", out, "--mode", "spiral"])
        #expect(spiral.status != 0 && spiral.stderr.contains("'spiral' is invalid"))
        let only = try CommandLineTests.run(["interpolate", "--checkpoint", run, "--out", out, "--mode", "slerp", "--rows", "1", "--points", "2", "--steps", "1"])
        #expect(only.status == 0 && FileManager.default.fileExists(atPath: out + "/walk-slerp.gif"))
        #expect(!FileManager.default.fileExists(atPath: out + "/walk-linear.png"))
        try CommandLineTests.expectFailure(["interpolate", "--checkpoint", run, "--out", out, "--mode", "slerp"], mentions: "--overwrite")
    }

    @Test func arithmeticDrawsSheetResultAndTurn() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        let run = try Self.tinyRun("arith"), out = Tiny.folder("arith-out"), z = out + "/z.npy"
        let sampled = try CommandLineTests.run(["sample", "--checkpoint", run, "--count", "12", "--save-z", z, "--grid", out + "/grid.png"])
        #expect(sampled.status == 0, "\(sampled.stderr)")
        let outcome = try CommandLineTests.run(["arithmetic", "--checkpoint", run, "--out", out, "--z", z, "--sheet", "--columns", "6",
                                                "--a", "1,5,9", "--b", "2,3,4", "--c", "7,8,11", "--turn-from", "0,1", "--turn-to", "2"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("A = mean of z[1,5,9]") && outcome.stdout.contains("C = mean of z[7,8,11]"))
        // 2 rows of 6 numbered tiles; 3 term rows + 3 block rows of 4 tiles; one turn row of 10.
        #expect(try Self.pngSize(out + "/sheet.png") == (6 * 30 + 2, 2 * (30 + PixelDigits.glyphHeight + 2) + 2))
        #expect(try Self.pngSize(out + "/arithmetic.png") == (4 * 30 + 2, 6 * 30 + 2))
        #expect(try Self.pngSize(out + "/turn.png") == (10 * 30 + 2, 30 + 2))

        let bad = Tiny.folder("arith-bad")
        let base = ["arithmetic", "--checkpoint", run, "--out", bad, "--z", z]
        try CommandLineTests.expectFailure(base + ["--a", "1,12,3", "--b", "2", "--c", "4"], mentions: "index 12 is out of range: the z file holds 12 vectors",
                                           mustNotExist: bad + "/arithmetic.png")
        try CommandLineTests.expectFailure(base + ["--a", "1,x", "--b", "2", "--c", "4"], mentions: "'x' is not an index")
        try CommandLineTests.expectFailure(base, mentions: "nothing to do")
        try CommandLineTests.expectFailure(base + ["--a", "1"], mentions: "all three terms")
        try CommandLineTests.expectFailure(base + ["--turn-from", "1"], mentions: "together")
        let wide = bad + "/wide.npy"
        try AtomicFile.write(NPYWriter.encode(float32: [Float](repeating: 0, count: 30), shape: [3, 10]), to: wide, overwrite: false)
        try CommandLineTests.expectFailure(["arithmetic", "--checkpoint", run, "--out", bad, "--z", wide, "--sheet"], mentions: "N x 8 latent vectors",
                                           mustNotExist: bad + "/sheet.png")
    }

    /// A Fashion-MNIST-format folder with both splits: training image i is all value 10 * i.
    static func mnistFolder(train: Int, test: Int) -> String {
        let root = Tiny.folder("nearest-mnist")
        let header: (UInt8, [Int]) -> [UInt8] = { type, dims in
            [0, 0, 8, type] + dims.flatMap { d in [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
        }
        for (prefix, count) in [("train", train), ("t10k", test)] {
            let pixels = (0..<count).flatMap { [UInt8](repeating: UInt8(10 * $0 % 256), count: 784) }
            CommandLineTests.writeGzip(header(3, [count, 28, 28]) + pixels, to: root + "/\(prefix)-images-idx3-ubyte.gz")
            CommandLineTests.writeGzip(header(1, [count]) + (0..<count).map { UInt8($0 % 10) }, to: root + "/\(prefix)-labels-idx1-ubyte.gz")
        }
        return root
    }

    @Test func nearestShowsNeighboursAndComparesWithTestImages() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        let run = try Self.tinyRun("nearest"), out = Tiny.folder("nearest-out"), data = Self.mnistFolder(train: 20, test: 6)
        let classifier = out + "/classifier.dcgan"
        let untrained = FeatureClassifier(imageSize: 28, channels: 1, classes: 10)
        untrained.provenance = .init(dataset: "fashion-mnist", split: "train", images: try MNISTDataset.load(root: data, split: .train))
        try AtomicFile.write(untrained.encode(), to: classifier, overwrite: false)
        let outcome = try CommandLineTests.run(["nearest", "--checkpoint", run, "--out", out, "--count", "2", "--k", "3", "--compare", "4",
                                                "--classifier", classifier, "--data-root", data])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("4 held-out test images"))
        for name in ["pixels", "features"] { #expect(try Self.pngSize(out + "/nearest-\(name).png") == (4 * 30 + 2, 2 * 30 + 2)) }
        try CommandLineTests.expectFailure(["nearest", "--checkpoint", run, "--out", Tiny.folder("nearest-bad"), "--classifier", out + "/none.dcgan",
                                            "--data-root", data], mentions: "`dcgan evaluate` makes it")
        try CommandLineTests.expectFailure(["nearest", "--checkpoint", run, "--out", Tiny.folder("nearest-bad"), "--k", "30",
                                            "--classifier", classifier, "--data-root", data], mentions: "exceeds the 20 training images")
        // A classifier of other images is refused, not silently used.
        try CommandLineTests.expectFailure(["nearest", "--checkpoint", run, "--out", Tiny.folder("nearest-bad"), "--classifier", classifier,
                                            "--data-root", Self.mnistFolder(train: 21, test: 6)], mentions: "this classifier was trained on fashion-mnist train")
    }
}
