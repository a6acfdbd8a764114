/// One 8-bit image in memory, interleaved: `pixels[(y * width + x) * channels + c]` (HWC).
///
/// Channels: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA — the layouts PNG stores.
public struct RasterImage: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Interleaved channels per pixel: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA.
    public var channels: Int
    /// Row-major, channel-interleaved bytes (height x width x channels).
    public var pixels: [UInt8]

    /// An image over `pixels`, which must hold width x height x channels bytes.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition((1...4).contains(channels), "an image has 1 to 4 channels, not \(channels)")
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * channels,
                     "\(pixels.count) bytes do not make a \(width)x\(height) image of \(channels) channels")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
}
