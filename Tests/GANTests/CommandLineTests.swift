import CDCGANZlib
import DCGANData
import Foundation
import DCGANKit
import Testing

/// Runs the built `dcgan` tool on bad input: each case must end with a non-zero exit, one line
/// on standard error that names the problem, no stack trace, and no output left behind.
@Suite(.serialized) struct CommandLineTests {
    /// The tool next to this test bundle's build products (`swift build --build-tests` builds it).
    static let tool: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/dcgan").path
    }()

    struct Outcome { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ arguments: [String]) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Expects a clean failure whose message contains `expected`, and that `mustNotExist` was not made.
    static func expectFailure(_ arguments: [String], mentions expected: String, mustNotExist: String? = nil,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let outcome = try run(arguments)
        #expect(outcome.status != 0, "exit status \(outcome.status) for \(arguments)", sourceLocation: sourceLocation)
        let lines = outcome.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(outcome.stderr)", sourceLocation: sourceLocation)
        #expect(outcome.stderr.contains(expected), "stderr: \(outcome.stderr)", sourceLocation: sourceLocation)
        #expect(!outcome.stderr.contains("Backtrace") && !outcome.stderr.contains("Fatal error"), sourceLocation: sourceLocation)
        if let mustNotExist {
            #expect(!FileManager.default.fileExists(atPath: mustNotExist), "\(mustNotExist) was left behind", sourceLocation: sourceLocation)
        }
    }

    /// Options of a tiny, fast training run on random images.
    static let tinyTraining = ["--dataset", "fake", "--nz", "8", "--ngf", "4", "--ndf", "4", "--batch-size", "8", "--sample-every", "0"]

    /// Trains a tiny model for 2 iterations into `run` (with `extra` options) and expects success.
    static func trainTiny(into folder: String, _ extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let outcome = try run(["train", "--iterations", "2", "--out", folder] + tinyTraining + extra)
        #expect(outcome.status == 0, "\(outcome.stderr)", sourceLocation: sourceLocation)
    }

    /// Writes `bytes` gzip-compressed to `path`.
    static func writeGzip(_ bytes: [UInt8], to path: String) {
        let file = gzopen(path, "wb")
        _ = bytes.withUnsafeBufferPointer { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        gzclose(file)
    }

    /// An MNIST-format folder with `images` images and `labels` labels of 28x28.
    static func mnistFolder(images: Int, labels: Int) -> String {
        let root = Tiny.folder("mnist")
        let header: (UInt8, [Int]) -> [UInt8] = { type, dims in
            [0, 0, 8, type] + dims.flatMap { d in [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
        }
        writeGzip(header(3, [images, 28, 28]) + [UInt8](repeating: 128, count: images * 784), to: root + "/train-images-idx3-ubyte.gz")
        writeGzip(header(1, [labels]) + [UInt8](repeating: 3, count: labels), to: root + "/train-labels-idx1-ubyte.gz")
        return root
    }

    @Test func toolIsBuilt() {
        #expect(FileManager.default.isExecutableFile(atPath: Self.tool), "build the tool first: swift build --build-tests")
    }

    @Test func impossibleOptions() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.tool) else { return }
        let out = Tiny.folder("cli") + "/run"
        try Self.expectFailure(["train", "--dataset", "fake", "--image-size", "30", "--out", out], mentions: "image size 30", mustNotExist: out)
        try Self.expectFailure(["train", "--dataset", "fake", "--batch-size", "0", "--out", out], mentions: "--batch-size", mustNotExist: out)
        try Self.expectFailure(["train", "--dataset", "fake", "--threads", "0", "--out", out], mentions: "threads", mustNotExist: out)
        try Self.expectFailure(["train", "--dataset", "nonsense", "--out", out], mentions: "unknown dataset", mustNotExist: out)
    }

    @Test func missingAndDamagedDatasets() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.tool) else { return }
        let out = Tiny.folder("cli") + "/run"
        try Self.expectFailure(["train", "--data-root", "/nonexistent", "--out", out], mentions: "dataset-fashion-mnist", mustNotExist: out)
        let mismatched = Self.mnistFolder(images: 20, labels: 19)
        try Self.expectFailure(["train", "--data-root", mismatched, "--out", out], mentions: "19 labels", mustNotExist: out)
        // Cut the gzip'd images in half.
        let truncated = Self.mnistFolder(images: 20, labels: 20)
        let path = truncated + "/train-images-idx3-ubyte.gz"
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: path))
        try Self.expectFailure(["train", "--data-root", truncated, "--out", out], mentions: "truncated", mustNotExist: out)
    }

    @Test func unwritableOutputAndBadCheckpoints() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.tool) else { return }
        let blocker = Tiny.folder("cli") + "/file"
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: blocker))
        try Self.expectFailure(["train", "--dataset", "fake", "--out", blocker + "/run"], mentions: blocker)
        let damaged = Tiny.folder("cli") + "/damaged.dcgan"
        try Data([UInt8](repeating: 7, count: 100)).write(to: URL(fileURLWithPath: damaged))
        let grid = Tiny.folder("cli") + "/grid.png"
        try Self.expectFailure(["sample", "--checkpoint", damaged, "--grid", grid], mentions: "not a dcgan checkpoint", mustNotExist: grid)

        // A real run, then a resume with another model configuration.
        let run = Tiny.folder("cli") + "/run"
        let made = try Self.run(["train", "--dataset", "fake", "--ngf", "4", "--ndf", "4", "--nz", "8", "--batch-size", "8",
                                 "--iterations", "2", "--out", run])
        #expect(made.status == 0, "\(made.stderr)")
        try Self.expectFailure(["train", "--resume", run, "--ngf", "8"], mentions: "another model configuration")
        // The finished run's folder is not replaced without --overwrite.
        try Self.expectFailure(["train", "--dataset", "fake", "--out", run], mentions: "--overwrite")
    }
}
