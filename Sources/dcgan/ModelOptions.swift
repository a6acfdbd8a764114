import ArgumentParser
import GAN
import Tensor

/// The options that shape the networks, shared by `train` and `bench`.
struct ModelOptions: ParsableArguments {
    @Option(help: "Image height and width: 28, 32, 48, 64, 96 or 128 (a base of 3-7 doubled at least twice).")
    var imageSize = 28
    @Option(help: "Image channels: 1 (gray) or 3 (RGB).")
    var channels = 1
    @Option(help: "Size of the latent vector z.")
    var nz = 100
    @Option(help: "Generator width (channels of its last hidden layer).")
    var ngf = 64
    @Option(help: "Discriminator width (channels of its first layer).")
    var ndf = 64
    @Flag(help: "BatchNorm without learned scale and shift (the paper's supplement 8.1).")
    var noBatchNormAffine = false

    var model: ModelConfig {
        ModelConfig(imageSize: imageSize, channels: channels, nz: nz, ngf: ngf, ndf: ndf, batchNormAffine: !noBatchNormAffine)
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
