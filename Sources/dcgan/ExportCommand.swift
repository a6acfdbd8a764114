import ArgumentParser
import DCGANData
import DCGANKit
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint's generator for other tools: safetensors with the tensor names of PyTorch's examples/dcgan (main.0.weight, ...), or an ONNX model (docs/INTEROP.md).")

    @Option(help: "Checkpoint file written by `dcgan train`, or a run folder (its latest checkpoint).")
    var checkpoint: String
    @Option(help: "safetensors (PyTorch's state_dict of G) or onnx (G as an ONNX graph: z in, images in [-1, 1] out).")
    var format: String
    @Option(help: "The file to write the generator to.")
    var output: String
    @Option(help: "safetensors only: also write the discriminator's state_dict to this file.")
    var discriminator: String?
    @Flag(help: "Replace output files that already exist.")
    var overwrite = false
    @OptionGroup var generatorChoice: GeneratorChoice

    func run() throws {
        guard ["safetensors", "onnx"].contains(format) else { throw ConfigError("unknown --format '\(format)' (safetensors or onnx)") }
        guard discriminator == nil || format == "safetensors" else { throw ConfigError("--discriminator applies to --format safetensors only") }
        guard discriminator != output else { throw ConfigError("--output and --discriminator name the same file") }
        // Refuse before any work, so that no output is left half-made.
        for path in [output, discriminator].compactMap({ $0 }) where !overwrite && FileManager.default.fileExists(atPath: path) {
            throw ConfigError("\(path) exists (pass --overwrite to replace it)")
        }
        let (trainer, header) = try generatorChoice.load(checkpoint)
        if format == "onnx" {
            let bytes = try ONNXExport.generator(trainer.sampler, latentShape: header.model.latentShape, classes: header.model.classes,
                                                 producerVersion: Checkpoint.toolVersion)
            try AtomicFile.write(bytes, to: output, overwrite: overwrite)
            print("wrote the generator of \(header.model.summary) as ONNX (opset \(ONNXExport.opsetVersion)) to \(output)")
            return
        }
        // Both files are encoded before either is written.
        let generatorBytes = try PyTorchCheckpoint.export(trainer, header: header, network: .generator)
        let discriminatorBytes = try discriminator.map { _ in try PyTorchCheckpoint.export(trainer, header: header, network: .discriminator) }
        try AtomicFile.write(generatorBytes, to: output, overwrite: overwrite)
        if let discriminator, let discriminatorBytes { try AtomicFile.write(discriminatorBytes, to: discriminator, overwrite: overwrite) }
        print("wrote the generator of \(header.model.summary) to \(output)" + (discriminator.map { " and the discriminator to \($0)" } ?? ""))
    }
}
