import ArgumentParser
import DCGANData
import DCGANKit
import Foundation

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Make a checkpoint that `dcgan sample` reads from safetensors state_dicts: PyTorch's examples/dcgan networks, or files `dcgan export` wrote (docs/INTEROP.md).")

    @Option(help: "The generator's safetensors file (names main.0.weight, ...).")
    var generator: String
    @Option(help: "The discriminator's safetensors file (default: a freshly initialised discriminator).")
    var discriminator: String?
    @Option(help: "The checkpoint (.dcgan) to write.")
    var output: String
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Distribution of z the generator was trained with: uniform (in [-1, 1]) or normal. Default: what the file records, else normal (PyTorch's example).")
    var noise: String?
    @Flag(help: "Replace the output file if it exists.")
    var overwrite = false

    func run() throws {
        if !overwrite && FileManager.default.fileExists(atPath: output) { throw ConfigError("\(output) exists (pass --overwrite to replace it)") }
        guard !modelOptions.conditional else {
            throw ConfigError("--conditional does not apply to import: a conditional model comes from a file `dcgan export` wrote, whose metadata records its classes")
        }
        let g = try SafeTensors.read(path: generator)
        let d = try discriminator.map { try SafeTensors.read(path: $0) }
        // The model: as the file records it, else inferred from an unconditional DCGAN's
        // weights, else the options' family defaults; options given on the command line win.
        let recorded = try PyTorchCheckpoint.model(fromMetadata: g.metadata, path: generator)
        let base = try recorded ?? PyTorchCheckpoint.inferDCGAN(generator: g.tensors, discriminator: d?.tensors)
            ?? ModelConfig.defaults(for: modelOptions.architecture())
        var model = modelOptions.model(over: base)
        if modelOptions.model != nil { model.architecture = try modelOptions.architecture() }
        try modelOptions.checkWidthsApply(to: model.architecture)
        try model.validate()
        let noiseName = noise ?? g.metadata[PyTorchCheckpoint.MetadataKey.noise] ?? "normal"
        guard let noiseKind = TrainingConfig.NoiseKind(rawValue: noiseName) else { throw ConfigError("unknown --noise '\(noiseName)' (uniform or normal)") }
        let bytes = try PyTorchCheckpoint.checkpoint(model: model, noise: noiseKind, generator: (g.tensors, generator),
                                                     discriminator: d.map { ($0.tensors, discriminator!) })
        try AtomicFile.write(bytes, to: output, overwrite: overwrite)
        print("wrote \(model.summary) (\(noiseKind.rawValue) z) to \(output)" + (discriminator == nil ? "; its discriminator is freshly initialised" : ""))
    }
}
