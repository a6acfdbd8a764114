/// One 8-bit image in memory, interleaved: `pixels[(y * width + x) * channels + c]` (HWC).
///
/// Channels: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA — the layouts PNG stores.
public struct RasterImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

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
