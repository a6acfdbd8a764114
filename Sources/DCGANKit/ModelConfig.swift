/// The model families the tool builds by name (`dcgan train --model`).
public enum Architecture: String, Codable, Sendable, CaseIterable {
    /// The paper's convolutional pair, any supported image size.
    case dcgan
    /// The book's MNIST GAN: fully connected G and D with LeakyReLU and LayerNorm.
    case mlp
    /// The book's first GAN: 4-value "1010" patterns, tiny G and D with sigmoids.
    case toy1010
    /// The Keras CIFAR-10 tutorial's pair (`TutorialModels`): 32x32 images only.
    case kerasCIFAR10 = "keras-cifar10"
    /// The Keras glyph tutorial's upsample + conv + ELU generator and its D: 32x32 images only.
    case upsampleELU = "upsample-elu"
    /// The CNTK MNIST tutorial's pair: 28x28 images only.
    case cntkMNIST = "cntk-mnist"

    /// Passes over the data a run makes unless told otherwise: the paper's DCGAN shows its
    /// first results after one; the book trains its MLP GAN for four (the toy counts steps).
    public var defaultEpochs: Int { self == .mlp ? 4 : 1 }

    /// The one image side a tutorial's model is built for; nil for the families that scale.
    public var fixedImageSize: Int? {
        switch self {
        case .kerasCIFAR10, .upsampleELU: 32
        case .cntkMNIST: 28
        case .dcgan, .mlp, .toy1010: nil
        }
    }

    /// Whether the networks hold BatchNorm, which needs at least two images per batch.
    public var usesBatchNorm: Bool { self == .dcgan || self == .upsampleELU || self == .cntkMNIST }
}

/// The shape of a GAN pair: everything needed to rebuild both networks.
public struct ModelConfig: Codable, Equatable, Sendable {
    /// The model family: the paper's DCGAN, the book's MLP GAN or its 1010 toy.
    public var architecture: Architecture
    /// Side of the square images made.
    public var imageSize: Int
    /// Channels of the images made: 1 or 3.
    public var channels: Int
    /// Length of the latent vector z.
    public var nz: Int
    /// Generator width: channels of its last hidden layer (doubled towards z).
    public var ngf: Int
    /// Discriminator width: channels of its first layer (doubled towards the logit).
    public var ndf: Int
    /// BatchNorm with learned scale and shift (false: the paper's supplement 8.1 variant).
    public var batchNormAffine: Bool
    /// Number of classes of a conditional pair (the one-hot label joins the networks'
    /// inputs); 0 for an unconditional one.
    public var classes: Int
    /// Width of the hidden layers of the fully connected models (mlp, toy1010).
    public var hidden: Int
    /// Spectral normalisation of every convolution of D (`--spectral-norm`, `SpectralNorm`);
    /// nil (configurations written before it existed) or false: off. Part of the model's
    /// shape because it adds state (each layer's `weight_u` and `weight_v`).
    public var spectralNorm: Bool?

    /// A configuration; the defaults are the paper's DCGAN on 28x28 gray images.
    public init(architecture: Architecture = .dcgan, imageSize: Int = 28, channels: Int = 1, nz: Int = 100, ngf: Int = 64, ndf: Int = 64,
                batchNormAffine: Bool = true, classes: Int = 0, hidden: Int = 200) {
        self.architecture = architecture
        self.imageSize = imageSize
        self.channels = channels
        self.nz = nz
        self.ngf = ngf
        self.ndf = ndf
        self.batchNormAffine = batchNormAffine
        self.classes = classes
        self.hidden = hidden
    }

    /// The settings each family starts from: the paper's for the DCGAN, the book's for its
    /// two small models (a 1-d z and 3 hidden units for the toy, 200 for the MLP), and each
    /// tutorial's for its own model (32x32x3 and z 32 for Keras's CIFAR-10 pair, 32x32x1 and
    /// a 4x4x4 z for the glyph tutorial's, 28x28x1 and z 100 for CNTK's).
    public static func defaults(for architecture: Architecture) -> ModelConfig {
        switch architecture {
        case .dcgan: ModelConfig()
        case .mlp: ModelConfig(architecture: .mlp, nz: 100, hidden: 200)
        case .toy1010: ModelConfig(architecture: .toy1010, imageSize: 4, channels: 1, nz: 1, hidden: 3)
        case .kerasCIFAR10: ModelConfig(architecture: .kerasCIFAR10, imageSize: 32, channels: 3, nz: 32)
        case .upsampleELU: ModelConfig(architecture: .upsampleELU, imageSize: 32, channels: 1, nz: 64)
        case .cntkMNIST: ModelConfig(architecture: .cntkMNIST, imageSize: 28, channels: 1, nz: 100)
        }
    }

    /// The largest image side; a size that is supported but does not fit in memory is refused
    /// by the memory estimate (`MemoryEstimate`).
    public static let maxImageSize = 4096
    /// The largest latent size, network width or hidden width.
    public static let maxWidth = 100_000
    /// The most classes a conditional pair may have.
    public static let maxClasses = 10_000

    /// Whether both networks take class labels.
    public var isConditional: Bool { classes > 0 }

    /// The shape of one image: C x S x S, or 1 x 1 x 4 for the toy's patterns.
    public var sampleShape: [Int] { architecture == .toy1010 ? [1, 1, 4] : [channels, imageSize, imageSize] }

    /// The shape of one latent vector: [nz, 1, 1] for the convolutional G, [nz] otherwise.
    public var latentShape: [Int] { architecture == .dcgan ? [nz, 1, 1] : [nz] }

    /// The smallest feature map (base x base) and how many times it doubles to reach the image.
    ///
    /// An image size is supported when it is a base of 3 to 7 pixels doubled at least twice:
    /// 28 = 7*2^2, 32 = 4*2^3, 48 = 3*2^4, 64 = 4*2^4, 96 = 3*2^5, 128 = 4*2^5.
    public var ladder: (base: Int, doublings: Int)? {
        var base = imageSize, doublings = 0
        while base % 2 == 0 && base / 2 >= 3 { base /= 2; doublings += 1 }
        return (3...7).contains(base) && doublings >= 2 ? (base, doublings) : nil
    }

    /// Checks every setting; the message says which one is wrong and what would work.
    public func validate() throws {
        switch architecture {
        case .dcgan:
            guard ladder != nil else {
                throw ConfigError("image size \(imageSize) is not supported: use a size of 3 to 7 pixels doubled at least twice (28, 32, 48, 64, 96, 128, ...)")
            }
            guard ngf >= 1 && ndf >= 1 else { throw ConfigError("ngf and ndf must be at least 1") }
        case .mlp:
            guard (1...512).contains(imageSize) else { throw ConfigError("image size must be between 1 and 512, not \(imageSize)") }
        case .toy1010:
            guard imageSize == 4 && channels == 1 else { throw ConfigError("the toy1010 model makes 4-value patterns: leave --image-size and --channels out") }
        case .kerasCIFAR10, .upsampleELU, .cntkMNIST:
            let size = architecture.fixedImageSize!
            guard imageSize == size else {
                throw ConfigError("the \(architecture.rawValue) model makes \(size)x\(size) images only, not \(imageSize)x\(imageSize): leave --image-size out")
            }
            guard !isConditional else { throw ConfigError("the \(architecture.rawValue) model has no conditional form (the tutorial's is unconditional)") }
            guard architecture != .upsampleELU || nz % 16 == 0 else {
                throw ConfigError("the upsample-elu model reads z as a 4x4 map: nz must be a multiple of 16, not \(nz)")
            }
        }
        guard imageSize <= Self.maxImageSize else { throw ConfigError("image size must be at most \(Self.maxImageSize), not \(imageSize)") }
        for (name, width) in [("nz", nz), ("ngf", ngf), ("ndf", ndf), ("the hidden width", hidden)] where width > Self.maxWidth {
            throw ConfigError("\(name) must be at most \(Self.maxWidth), not \(width)")
        }
        guard channels == 1 || channels == 3 else { throw ConfigError("channels must be 1 or 3, not \(channels)") }
        guard nz >= 1 else { throw ConfigError("nz must be at least 1, not \(nz)") }
        guard hidden >= 1 else { throw ConfigError("the hidden width must be at least 1, not \(hidden)") }
        guard (0...Self.maxClasses).contains(classes) else { throw ConfigError("classes must be between 0 and \(Self.maxClasses), not \(classes)") }
        guard !(isConditional && architecture == .toy1010) else { throw ConfigError("the toy1010 model has no conditional form") }
        guard spectralNorm != true || architecture == .dcgan else { throw ConfigError("--spectral-norm applies to the dcgan model only") }
    }

    /// A short description for messages ("28x28x1 dcgan, nz 100, ngf 64, ndf 64, 10 classes").
    public var summary: String {
        let size = architecture == .toy1010 ? "1x4" : "\(imageSize)x\(imageSize)x\(channels)"
        var text = "\(size) \(architecture.rawValue), nz \(nz)"
        switch architecture {
        case .dcgan: text += ", ngf \(ngf), ndf \(ndf)"
        case .mlp, .toy1010: text += ", hidden \(hidden)"
        case .kerasCIFAR10, .upsampleELU, .cntkMNIST: break
        }
        if isConditional { text += ", \(classes) classes" }
        if spectralNorm == true { text += ", spectral norm in D" }
        return text
    }
}

/// An impossible or inconsistent setting; the message is one line meant for the user.
public struct ConfigError: Error, CustomStringConvertible {
    /// The message, one line.
    public let description: String
    /// An error whose whole message is `description`.
    public init(_ description: String) { self.description = description }
}
