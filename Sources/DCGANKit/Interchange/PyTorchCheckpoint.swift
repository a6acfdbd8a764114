import DCGANData
import DCGANLayers
import DCGANTensor
import Foundation

/// Moves networks between the tool's checkpoints and safetensors files laid out as PyTorch's
/// examples/dcgan saves them (one file per network, names from `PyTorchStateDict`), so that
/// `netG.load_state_dict(safetensors.torch.load_file(path))` loads a generator trained here,
/// and a generator trained there becomes a checkpoint that `dcgan sample` reads.
public enum PyTorchCheckpoint {
    /// Which network of a trainer a file holds.
    public enum Network: String, Sendable {
        case generator, discriminator
    }

    /// Metadata keys the export writes beside PyTorch's own `format: pt`; the import uses them
    /// to rebuild exactly the model that was exported.
    public enum MetadataKey {
        /// The `ModelConfig` as JSON, the z distribution, and which network the file holds.
        public static let model = "dcgan.model", noise = "dcgan.noise", network = "dcgan.network"
    }

    /// The safetensors bytes of one network of a trainer built from `header`'s checkpoint; the
    /// generator is the trainer's `sampler` (the average of G's weights, when kept and chosen).
    /// `num_batches_tracked` is the number of training-mode passes each network made: one per
    /// D step for G (whose statistics an average shares), two per D step plus one per G step for D.
    public static func export(_ trainer: GANTrainer, header: Checkpoint.Header, network: Network) throws -> [UInt8] {
        let k = header.training.discriminatorSteps
        let (layer, passes) = network == .generator ? (trainer.sampler, header.step * k) : (trainer.discriminator, header.step * (2 * k + 1))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let metadata = ["format": "pt", MetadataKey.model: String(decoding: try encoder.encode(header.model), as: UTF8.self),
                        MetadataKey.noise: header.training.noise.rawValue, MetadataKey.network: network.rawValue]
        return try SafeTensors.encode(PyTorchStateDict.tensors(of: layer, batchesTracked: Int64(passes)), metadata: metadata)
    }

    /// The model a file exported by this tool describes, nil for other files.
    public static func model(fromMetadata metadata: [String: String], path: String) throws -> ModelConfig? {
        guard let json = metadata[MetadataKey.model] else { return nil }
        do { return try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8)) } catch {
            throw DataError(path: path, "its \(MetadataKey.model) metadata does not describe a model")
        }
    }

    /// The unconditional DCGAN whose generator (and, if given, discriminator) has these
    /// tensors, as PyTorch's example builds them: a stack of ConvTranspose2d weights
    /// [nz, 8ngf, base, base] ... [ngf, nc, 4, 4]; nil when the tensors are not such a stack.
    /// A discriminator with `weight_orig` tensors (PyTorch's spectral_norm) gives `spectralNorm`.
    public static func inferDCGAN(generator: [(name: String, value: SafeTensors.Value)],
                                  discriminator: [(name: String, value: SafeTensors.Value)]?) -> ModelConfig? {
        let weights = generator.compactMap { name, value -> (index: Int, shape: [Int])? in
            let parts = name.split(separator: ".")
            guard parts.count == 3, parts[0] == "main", parts[2] == "weight", let index = Int(parts[1]), value.shape.count == 4 else { return nil }
            return (index, value.shape)
        }.sorted { $0.index < $1.index }
        guard let first = weights.first, let last = weights.last, weights.count >= 3, first.shape[2] == first.shape[3] else { return nil }
        let affine = generator.contains { $0.name == "main.1.weight" }
        var config = ModelConfig(architecture: .dcgan, imageSize: first.shape[2] << (weights.count - 1), channels: last.shape[1],
                                 nz: first.shape[0], ngf: last.shape[0], batchNormAffine: affine)
        // A discriminator under torch.nn.utils.spectral_norm keeps its weights as `weight_orig`.
        let spectral = discriminator?.contains { $0.name == "main.0.weight_orig" } == true
        if let firstD = discriminator?.first(where: { $0.name == (spectral ? "main.0.weight_orig" : "main.0.weight") }), firstD.value.shape.count == 4 {
            config.ndf = firstD.value.shape[0]
        }
        if spectral { config.spectralNorm = true }
        return config
    }

    /// A tool checkpoint (step 0) of `model` whose generator holds `generator`'s tensors and
    /// whose discriminator holds `discriminator`'s, or a fresh initialisation without one.
    /// Names and shapes must match the model exactly; errors name the file at fault.
    public static func checkpoint(model: ModelConfig, noise: TrainingConfig.NoiseKind,
                                  generator: (tensors: [(name: String, value: SafeTensors.Value)], path: String),
                                  discriminator: (tensors: [(name: String, value: SafeTensors.Value)], path: String)?) throws -> [UInt8] {
        var training = TrainingConfig.defaults(for: model.architecture)
        training.noise = noise
        training.iterations = 1  // a checkpoint to sample from; validation wants a run of at least one step
        let trainer = try GANTrainer(model: model, training: training)
        try PyTorchStateDict.load(generator.tensors, into: trainer.generator, path: generator.path)
        if let discriminator { try PyTorchStateDict.load(discriminator.tensors, into: trainer.discriminator, path: discriminator.path) }
        return try Checkpoint.encode(trainer, model: model, training: training, step: 0, batchesConsumed: 0)
    }
}
