import ArgumentParser
import DCGANKit
import DCGANTensor

/// The options that shape the networks, shared by `train`, `bench` and `import`. They are optional so
/// that `train --resume` can tell a setting the user gave (which must then agree with the
/// checkpoint) from a default.
struct ModelOptions: ParsableArguments {
    @Option(help: "Model family: dcgan (the paper's), mlp (the book's fully connected MNIST GAN), toy1010 (the book's 1010-pattern GAN), or a tutorial's own model with its settings: keras-cifar10, upsample-elu (32x32) or cntk-mnist (28x28). Default dcgan.")
    var model: String?
    @Flag(help: "Conditional model: the one-hot class label is joined to the inputs of G and D (dcgan: of every layer, as the paper's supplement 8.1; mlp: of the first, as the book); needs a labelled dataset.")
    var conditional = false
    @Option(parsing: .unconditional, help: "Image height and width: 28, 32, 48, 64, 96 or 128 (a base of 3-7 doubled at least twice). Default 28.", transform: OptionRange.integer(1...OptionRange.maxImageSize))
    var imageSize: Int?
    @Option(parsing: .unconditional, help: "Image channels: 1 (gray) or 3 (RGB). Default 1.", transform: OptionRange.integer(1...3))
    var channels: Int?
    @Option(parsing: .unconditional, help: "Size of the latent vector z. Default 100.", transform: OptionRange.integer(1...OptionRange.maxWidth))
    var nz: Int?
    @Option(parsing: .unconditional, help: "Generator width (channels of its last hidden layer). Default 64.", transform: OptionRange.integer(1...OptionRange.maxWidth))
    var ngf: Int?
    @Option(parsing: .unconditional, help: "Discriminator width (channels of its first layer). Default 64.", transform: OptionRange.integer(1...OptionRange.maxWidth))
    var ndf: Int?
    @Option(parsing: .unconditional, help: "Width of the hidden layers of the mlp and toy1010 models. Default 200 (mlp), 3 (toy1010).", transform: OptionRange.integer(1...OptionRange.maxWidth))
    var hidden: Int?
    @Flag(help: "BatchNorm without learned scale and shift (the paper's supplement 8.1).")
    var noBatchNormAffine = false

    /// The model family named by --model.
    func architecture() throws -> Architecture {
        guard let model else { return .dcgan }
        guard let kind = Architecture(rawValue: model) else {
            throw ConfigError("unknown model '\(model)' (\(Architecture.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return kind
    }

    /// The configuration, with the family's defaults for what was not given; a conditional
    /// model gets its class count from the data (`classes`).
    func config(classes: Int = 0) throws -> ModelConfig {
        try checkWidthsApply(to: try architecture())
        var config = model(over: ModelConfig.defaults(for: try architecture()))
        config.classes = conditional ? classes : 0
        try config.validate()
        return config
    }

    /// Refuses a width option the family `kind` does not read (the dcgan model's are --ngf and
    /// --ndf, the mlp and toy1010 models' --hidden, the tutorials' models have fixed widths),
    /// rather than leave it silently unused.
    func checkWidthsApply(to kind: Architecture) throws {
        let reads: [(option: String, given: Bool, read: Bool)] = [
            ("--ngf", ngf != nil, kind == .dcgan), ("--ndf", ndf != nil, kind == .dcgan),
            ("--hidden", hidden != nil, kind == .mlp || kind == .toy1010),
        ]
        guard let unread = reads.first(where: { $0.given && !$0.read }) else { return }
        let widths = switch kind {
        case .dcgan: "its widths are --ngf and --ndf"
        case .mlp, .toy1010: "its width is --hidden"
        case .kerasCIFAR10, .upsampleELU, .cntkMNIST: "the tutorial's layers have fixed widths"
        }
        throw ConfigError("\(unread.option) does not apply to the \(kind.rawValue) model (\(widths))")
    }

    /// `base` with the given options applied (the family and conditioning stay `base`'s).
    func model(over base: ModelConfig) -> ModelConfig {
        var config = base
        config.imageSize = imageSize ?? base.imageSize
        config.channels = channels ?? base.channels
        config.nz = nz ?? base.nz
        config.ngf = ngf ?? base.ngf
        config.ndf = ndf ?? base.ndf
        config.hidden = hidden ?? base.hidden
        config.batchNormAffine = noBatchNormAffine ? false : base.batchNormAffine
        return config
    }

    /// Whether any option that shapes the model was given (they must agree with a resumed run).
    func contradicts(_ base: ModelConfig) throws -> Bool {
        if model != nil, try architecture() != base.architecture { return true }
        if conditional != base.isConditional && conditional { return true }
        return model(over: base) != base
    }
}

/// Thread count and matrix engine, shared by every subcommand.
struct ThreadOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Threads for the kernels and the matrix products (default: 2).", transform: OptionRange.integer(1...256))
    var threads = 2
    @Option(help: "Matrix-product engine: auto (OpenBLAS when its AVX-512 kernels run, else our own AVX-512 kernel where the processor has AVX-512), avx512, openblas or reference. Layers on the Winograd path (kernel 4, stride 2, padding 1 with AVX2 and no AVX-512) use their own kernel.")
    var engine = "auto"

    func apply() throws {
        switch engine {
        case "auto": GEMM.engine = GEMM.fastestEngine()
        case "avx512":
            guard let avx512 = AVX512Engine() else { throw ConfigError("this processor has no AVX-512: use --engine openblas") }
            GEMM.engine = avx512
        case "openblas": GEMM.engine = OpenBLASEngine()
        case "reference": GEMM.engine = ReferenceGEMMEngine()
        default: throw ConfigError("unknown engine '\(engine)' (auto, avx512, openblas or reference)")
        }
        Parallelism.setThreadCount(threads)
    }
}
