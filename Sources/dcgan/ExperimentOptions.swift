import ArgumentParser
import DCGANData
import DCGANKit
import Foundation

/// What every experiment command takes: a checkpoint (or a run folder, meaning its latest
/// checkpoint), an output folder, and the thread options.
struct ExperimentOptions: ParsableArguments {
    @Option(help: "Checkpoint file written by `dcgan train`, or a run folder (its latest checkpoint).")
    var checkpoint: String
    @Option(help: "Folder to write the pictures and numbers into (created if needed).")
    var out: String
    @Flag(help: "Replace files that already exist in --out.")
    var overwrite = false
    @OptionGroup var threadOptions: ThreadOptions

    /// Applies the thread options and loads the checkpoint, drawing with G's own weights if
    /// `rawGenerator` (a command's `--no-ema`, see `GeneratorChoice`), else with their average when kept.
    func load(rawGenerator: Bool = false) throws -> (trainer: GANTrainer, header: Checkpoint.Header) {
        try threadOptions.apply()
        return try GeneratorChoice.load(checkpoint, rawGenerator: rawGenerator)
    }

    /// The path of `name` inside --out, refused up front if it exists and --overwrite is not given.
    func path(_ name: String) throws -> String {
        let path = (out as NSString).appendingPathComponent(name)
        if !overwrite && FileManager.default.fileExists(atPath: path) {
            throw ConfigError("\(path) exists (pass --overwrite to replace it)")
        }
        return path
    }

    /// Creates --out and writes `bytes` to `name` in it atomically, saying where.
    func write(_ bytes: [UInt8], to name: String, what: String) throws {
        do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
            throw DataError(path: out, "cannot create the output folder")
        }
        let target = try path(name)
        try AtomicFile.write(bytes, to: target, overwrite: overwrite)
        print("wrote \(what) to \(target)")
    }
}
