import CDCGANPNG

/// PNG encoding and decoding through libpng's "simplified API".
///
/// libpng's classic API reports errors with longjmp, which Swift frames cannot survive; the
/// simplified API (`png_image_*`, libpng 1.6) catches them internally and returns a status
/// with a message instead.
public enum PNGCodec {
    /// The largest width or height accepted when decoding.
    public static let maxSide = 16_384
    /// The largest pixel count accepted when decoding (64 Mi pixels, e.g. 8192 x 8192: 256 MiB
    /// as RGBA), so that a small file declaring a huge picture cannot make each decoding
    /// thread allocate gigabytes.
    public static let maxPixels = 1 << 26

    /// The refusal of a declared size beyond `maxSide` or `maxPixels`, or nil when it fits.
    static func sizeProblem(_ kind: String, width: Int, height: Int) -> String? {
        guard width > maxSide || height > maxSide || width * height > maxPixels else { return nil }
        return "\(kind) declares \(width)x\(height) pixels, more than the limit of \(maxPixels) pixels, \(maxSide) a side"
    }

    /// Encodes 8-bit pixels, interleaved (HWC), with 1 (gray), 2 (gray+alpha), 3 (RGB) or
    /// 4 (RGBA) channels.
    public static func encode(_ image: RasterImage) throws -> [UInt8] {
        var control = png_image()
        control.version = UInt32(PNG_IMAGE_VERSION)
        control.width = UInt32(image.width)
        control.height = UInt32(image.height)
        control.format = format(channels: image.channels)
        defer { png_image_free(&control) }

        let rowStride = Int32(image.width * image.channels)
        return try image.pixels.withUnsafeBytes { pixels in
            // First pass measures, second pass writes.
            var size = 0
            guard png_image_write_to_memory(&control, nil, &size, 0, pixels.baseAddress, rowStride, nil) != 0 else {
                throw DataError(path: "(PNG encoder)", message(control))
            }
            var bytes = [UInt8](repeating: 0, count: size)
            let status = bytes.withUnsafeMutableBytes { output in
                png_image_write_to_memory(&control, output.baseAddress, &size, 0, pixels.baseAddress, rowStride, nil)
            }
            guard status != 0 else { throw DataError(path: "(PNG encoder)", message(control)) }
            return Array(bytes.prefix(size))
        }
    }

    /// Encodes raw interleaved pixels; see `encode(_:)`.
    public static func encode(pixels: [UInt8], width: Int, height: Int, channels: Int) throws -> [UInt8] {
        try encode(RasterImage(width: width, height: height, channels: channels, pixels: pixels))
    }

    /// Decodes a PNG of any kind (gray, gray+alpha, RGB, RGBA, palette, 1 to 16 bits) to
    /// 8-bit interleaved pixels with 1 to 4 channels: palettes expand to RGB or RGBA, and
    /// 16-bit samples are reduced to 8. `path` names the source in error messages.
    ///
    /// The declared size is checked against `maxSide` and `maxPixels` before the pixel
    /// buffer is allocated, so a forged header cannot demand gigabytes.
    public static func decode(bytes: [UInt8], path: String) throws -> RasterImage {
        var control = png_image()
        control.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&control) }
        let started = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&control, $0.baseAddress, $0.count) }
        guard started != 0 else { throw DataError(path: path, "not a readable PNG: \(message(control))") }

        let (width, height) = (Int(control.width), Int(control.height))
        if let problem = sizeProblem("PNG", width: width, height: height) { throw DataError(path: path, problem) }
        // Keep the file's gray/color and alpha; drop palette and 16-bit so every PNG comes
        // out as plain 8-bit samples.
        let color = control.format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
        let alpha = control.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
        let channels = (color ? 3 : 1) + (alpha ? 1 : 0)
        control.format = format(channels: channels)
        // Without this a 16-bit file lacking gAMA/sRGB chunks is taken as linear light and
        // gamma-encoded on the way to 8 bits; treating it as sRGB just scales the samples.
        control.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)

        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        let finished = pixels.withUnsafeMutableBytes {
            png_image_finish_read(&control, nil, $0.baseAddress, Int32(width * channels), nil)
        }
        guard finished != 0 else { throw DataError(path: path, "corrupt PNG: \(message(control))") }
        return RasterImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    private static func format(channels: Int) -> UInt32 {
        let color = channels >= 3 ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0
        let alpha = channels % 2 == 0 ? UInt32(PNG_FORMAT_FLAG_ALPHA) : 0
        return color | alpha
    }

    /// libpng's message, kept in a fixed 64-byte C array inside the control structure.
    private static func message(_ control: png_image) -> String {
        withUnsafeBytes(of: control.message) { raw in
            let text = raw.prefix { $0 != 0 }
            return text.isEmpty ? "libpng failed without a message" : String(decoding: text, as: UTF8.self)
        }
    }
}
