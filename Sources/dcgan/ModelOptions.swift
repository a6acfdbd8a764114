import ArgumentParser
import DCGANKit
import DCGANTensor

/// The options that shape the networks, shared by `train` and `bench`. They are optional so
/// that `train --resume` can tell a setting the user gave (which must then agree with the
/// checkpoint) from a default.
struct ModelOptions: ParsableArguments {
    @Option(help: "Image height and width: 28, 32, 48, 64, 96 or 128 (a base of 3-7 doubled at least twice). Default 28.")
    var imageSize: Int?
    @Option(help: "Image channels: 1 (gray) or 3 (RGB). Default 1.")
    var channels: Int?
    @Option(help: "Size of the latent vector z. Default 100.")
    var nz: Int?
    @Option(help: "Generator width (channels of its last hidden layer). Default 64.")
    var ngf: Int?
    @Option(help: "Discriminator width (channels of its first layer). Default 64.")
    var ndf: Int?
    @Flag(help: "BatchNorm without learned scale and shift (the paper's supplement 8.1).")
    var noBatchNormAffine = false

    /// The configuration, with defaults for what was not given.
    var model: ModelConfig { model(over: ModelConfig()) }

    /// `base` with the given options applied.
    func model(over base: ModelConfig) -> ModelConfig {
        ModelConfig(imageSize: imageSize ?? base.imageSize, channels: channels ?? base.channels, nz: nz ?? base.nz,
                    ngf: ngf ?? base.ngf, ndf: ndf ?? base.ndf, batchNormAffine: noBatchNormAffine ? false : base.batchNormAffine)
    }
}

/// Thread count and matrix engine, shared by every subcommand.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads for the kernels and the matrix products (default: 2).")
    var threads = 2
    @Option(help: "Matrix-product engine: auto (OpenBLAS when its AVX-512 kernels run, else our own AVX-512 kernel where the processor has AVX-512), avx512, openblas or reference.")
    var engine = "auto"

    func apply() throws {
        guard threads >= 1 && threads <= 256 else { throw ConfigError("threads must be between 1 and 256, not \(threads)") }
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
