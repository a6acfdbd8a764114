import ArgumentParser
import DCGANData
import Foundation
import DCGANKit

struct AnimateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "animate",
        abstract: "Turn a run's fixed-noise sample grids into an animated GIF of training progress.")

    @Argument(help: "The run folder (it holds samples/step-N.png).")
    var runFolder: String
    @Option(help: "The GIF to write.")
    var out = "progress.gif"
    @Option(parsing: .unconditional, help: "Hundredths of a second per frame.", transform: OptionRange.integer(1...65_535))
    var delay = 20
    @Flag(help: "Replace the output file if it exists.")
    var overwrite = false

    func run() throws {
        if !overwrite && FileManager.default.fileExists(atPath: out) {
            throw ConfigError("\(out) exists (pass --overwrite to replace it)")
        }
        let folder = RunFolder(runFolder).samplesFolder
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw DataError(path: folder, "no such folder (is \(runFolder) a run folder?)")
        }
        let grids = names.filter { $0.hasPrefix("step-") && $0.hasSuffix(".png") }.sorted()
        guard !grids.isEmpty else { throw DataError(path: folder, "holds no sample grids (step-N.png)") }
        let frames = try grids.map { name -> RasterImage in
            let path = folder + "/" + name
            guard let bytes = FileManager.default.contents(atPath: path) else { throw DataError(path: path, "cannot be read") }
            return try PNGCodec.decode(bytes: [UInt8](bytes), path: path)
        }
        let gif: [UInt8]
        do { gif = try GIFEncoder.encode(frames: frames, delay: delay) } catch let error as DataError {
            throw DataError(path: folder, error.problem)
        }
        try AtomicFile.write(gif, to: out, overwrite: overwrite)
        print("wrote \(frames.count) frames to \(out)")
    }
}
