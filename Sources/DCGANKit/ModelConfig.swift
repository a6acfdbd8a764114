/// The shape of a DCGAN pair: everything needed to rebuild both networks.
public struct ModelConfig: Codable, Equatable, Sendable {
    public var imageSize: Int
    public var channels: Int
    public var nz: Int
    public var ngf: Int
    public var ndf: Int
    /// BatchNorm with learned scale and shift (false: the paper's supplement 8.1 variant).
    public var batchNormAffine: Bool

    public init(imageSize: Int = 28, channels: Int = 1, nz: Int = 100, ngf: Int = 64, ndf: Int = 64,
                batchNormAffine: Bool = true) {
        self.imageSize = imageSize
        self.channels = channels
        self.nz = nz
        self.ngf = ngf
        self.ndf = ndf
        self.batchNormAffine = batchNormAffine
    }

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
        guard ladder != nil else {
            throw ConfigError("image size \(imageSize) is not supported: use a size of 3 to 7 pixels doubled at least twice (28, 32, 48, 64, 96, 128, ...)")
        }
        guard channels == 1 || channels == 3 else { throw ConfigError("channels must be 1 or 3, not \(channels)") }
        guard nz >= 1 else { throw ConfigError("nz must be at least 1, not \(nz)") }
        guard ngf >= 1 && ndf >= 1 else { throw ConfigError("ngf and ndf must be at least 1") }
    }
}

/// An impossible or inconsistent setting; the message is one line meant for the user.
public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
