import DCGANData
import DCGANKit
import Foundation
import Testing

/// The tool's model families, conditional sampling, resume extension and their bad input.
@Suite(.serialized) struct CommandLineModelTests {
    static let tiny = CommandLineTests.tinyTraining

    static func succeed(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let outcome = try CommandLineTests.run(arguments)
        #expect(outcome.status == 0, "\(arguments): \(outcome.stderr)", sourceLocation: sourceLocation)
        return outcome.stdout
    }

    @Test func conditionalRunSamplesByClass() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        let folder = Tiny.folder("cli-cond"), run = folder + "/run"
        let trained = try Self.succeed(["train", "--conditional", "--iterations", "2", "--out", run] + Self.tiny)
        #expect(trained.contains("10 classes"))
        // A run folder stands for its latest checkpoint; --class makes every image of that class.
        let out = try Self.succeed(["sample", "--checkpoint", run, "--class", "3", "--count", "5", "--npy", folder + "/x.npy"])
        #expect(out.contains("wrote 5 images") && out.contains("x_labels.npy"))
        #expect(try NPYReader.readIntegers(path: folder + "/x_labels.npy") == [3, 3, 3, 3, 3])
        #expect(try NPYReader.readUInt8(path: folder + "/x.npy").shape == [5, 28, 28])
        // By default a row of 8 per class; --labels takes the classes from a file.
        #expect(try Self.succeed(["sample", "--checkpoint", run, "--grid", folder + "/g.png"]).contains("wrote 80 images"))
        try AtomicFile.write(NPYWriter.encode(int64: [9, 0, 4], shape: [3]), to: folder + "/want.npy", overwrite: false)
        #expect(try Self.succeed(["sample", "--checkpoint", run, "--labels", folder + "/want.npy", "--npy", folder + "/y.npy"]).contains("wrote 3 images"))
        #expect(try NPYReader.readIntegers(path: folder + "/y_labels.npy") == [9, 0, 4])

        try AtomicFile.write(NPYWriter.encode(int64: [1, 11], shape: [2]), to: folder + "/bad.npy", overwrite: false)
        try CommandLineTests.expectFailure(["sample", "--checkpoint", run, "--labels", folder + "/bad.npy", "--grid", folder + "/b.png"],
                                           mentions: "label 11 is not one of the model's classes", mustNotExist: folder + "/b.png")
        try CommandLineTests.expectFailure(["sample", "--checkpoint", run, "--class", "10", "--grid", folder + "/c.png"],
                                           mentions: "--class 10", mustNotExist: folder + "/c.png")
        try CommandLineTests.expectFailure(["sample", "--checkpoint", folder, "--grid", folder + "/d.png"], mentions: "holds no checkpoint")
    }

    @Test func savedLatentVectorsComeWithANumberedSheet() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        let folder = Tiny.folder("cli-savez"), run = folder + "/run"
        _ = try Self.succeed(["train", "--iterations", "1", "--out", run] + Self.tiny)
        _ = try Self.succeed(["sample", "--checkpoint", run, "--count", "6", "--grid", folder + "/plain.png"])
        _ = try Self.succeed(["sample", "--checkpoint", run, "--count", "6", "--grid", folder + "/sheet.png", "--save-z", folder + "/z.npy"])
        let (shape, values) = try NPYReader.readFloat32(path: folder + "/z.npy")
        #expect(shape == [6, 8] && values.allSatisfy { abs($0) <= 1 })
        func png(_ name: String) throws -> RasterImage {
            try PNGCodec.decode(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))), path: name)
        }
        // The numbered sheet leaves room under each image for its index.
        #expect(try png("sheet.png").height > png("plain.png").height)
        // The same vectors read back with --z give the same images.
        _ = try Self.succeed(["sample", "--checkpoint", run, "--z", folder + "/z.npy", "--npy", folder + "/again.npy"])
        _ = try Self.succeed(["sample", "--checkpoint", run, "--count", "6", "--npy", folder + "/first.npy"])
        #expect(try NPYReader.readUInt8(path: folder + "/again.npy").values == NPYReader.readUInt8(path: folder + "/first.npy").values)
    }

    @Test func unconditionalModelsRefuseLabels() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        let folder = Tiny.folder("cli-plain"), run = folder + "/run"
        _ = try Self.succeed(["train", "--iterations", "1", "--out", run] + Self.tiny)
        try CommandLineTests.expectFailure(["sample", "--checkpoint", run, "--class", "1", "--grid", folder + "/g.png"],
                                           mentions: "not a conditional model", mustNotExist: folder + "/g.png")
        try CommandLineTests.expectFailure(["train", "--model", "toy1010", "--conditional", "--out", folder + "/t"], mentions: "no conditional form",
                                           mustNotExist: folder + "/t")
        try CommandLineTests.expectFailure(["train", "--model", "gan9", "--out", folder + "/t"], mentions: "unknown model 'gan9'")
        // A width the family does not read is refused, not ignored.
        for (arguments, message) in [(["--model", "keras-cifar10", "--ngf", "32"], "--ngf does not apply to the keras-cifar10 model"),
                                     (["--model", "mlp", "--ndf", "32"], "--ndf does not apply to the mlp model (its width is --hidden)"),
                                     (["--hidden", "50"], "--hidden does not apply to the dcgan model")] {
            try CommandLineTests.expectFailure(["train", "--out", folder + "/t"] + arguments, mentions: message, mustNotExist: folder + "/t")
        }
        try CommandLineTests.expectFailure(["train", "--loss", "l1", "--out", folder + "/t"] + Self.tiny, mentions: "unknown loss 'l1'", mustNotExist: folder + "/t")
    }

    @Test func resumeExtendsToTheNewTotal() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        let run = Tiny.folder("cli-extend") + "/run"
        _ = try Self.succeed(["train", "--iterations", "2", "--loss", "lsgan", "--out", run] + Self.tiny)
        let resumed = try Self.succeed(["train", "--resume", run, "--iterations", "4"])
        #expect(resumed.contains("resuming \(run) at step 2 of 4"))
        #expect(FileManager.default.fileExists(atPath: RunFolder(run).checkpointPath(step: 4)))
        try CommandLineTests.expectFailure(["train", "--resume", run, "--iterations", "3"], mentions: "at step 4 already")
    }

    @Test func theBooksToyPrintsItsPatterns() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        let out = try Self.succeed(["train", "--model", "toy1010", "--iterations", "200", "--out", Tiny.folder("cli-toy") + "/run"])
        #expect(out.contains("lsgan loss, sgd") && out.contains("generated pattern:") && out.contains("last 20 steps"))
    }
}
