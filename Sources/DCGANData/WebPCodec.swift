import CDCGANWebP

/// WebP decoding and lossless encoding through libwebp (the official LSUN export stores its
/// scenes as WebP values; image folders may hold `.webp` files too).
///
/// libwebp reports every failure as a status code rather than aborting, and it is fuzzed
/// upstream, so damaged bytes become a one-line `DataError` here.
public enum WebPCodec {
    /// Whether `bytes` start like a WebP file: a RIFF container ("RIFF", 4 size bytes) of
    /// form type "WEBP".
    public static func isWebP(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 12 && bytes[0..<4].elementsEqual("RIFF".utf8) && bytes[8..<12].elementsEqual("WEBP".utf8)
    }

    /// Decodes a still WebP (lossy or lossless) to 8-bit interleaved pixels: RGB, or RGBA when
    /// the file has alpha. `path` names the source in error messages.
    ///
    /// The declared size is checked against `PNGCodec`'s limits before the pixel buffer is
    /// allocated, and a file shorter than its RIFF header declares is refused before libwebp
    /// sees it (a cut-short download must not enter a training set half grey).
    public static func decode(bytes: [UInt8], path: String) throws -> RasterImage {
        guard isWebP(bytes) else { throw DataError(path: path, "not a WebP file (no RIFF....WEBP signature)") }
        // RIFF size: little-endian, counting everything after the 8-byte "RIFF" + size prefix.
        let declared = 8 + (4..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * ($1 - 4)) }
        guard declared <= bytes.count else {
            throw DataError(path: path, "truncated WebP: its RIFF header declares \(declared) bytes, the data holds \(bytes.count)")
        }
        return try bytes.withUnsafeBufferPointer { input in
            var features = WebPBitstreamFeatures()
            let probed = WebPGetFeatures(input.baseAddress, input.count, &features)
            guard probed == VP8_STATUS_OK else { throw DataError(path: path, "not a readable WebP: \(describe(probed))") }
            let (width, height) = (Int(features.width), Int(features.height))
            guard width >= 1, height >= 1, width <= PNGCodec.maxSide, height <= PNGCodec.maxSide, width * height <= PNGCodec.maxPixels else {
                throw DataError(path: path, "WebP declares \(width)x\(height) pixels, larger than the \(PNGCodec.maxSide)x\(PNGCodec.maxSide) limit")
            }
            guard features.has_animation == 0 else { throw DataError(path: path, "animated WebP files are not supported") }
            let channels = features.has_alpha != 0 ? 4 : 3
            var pixels = [UInt8](repeating: 0, count: width * height * channels)
            let status = pixels.withUnsafeMutableBufferPointer { output in
                decodeInto(input, output, width: width, height: height, channels: channels)
            }
            guard status == VP8_STATUS_OK else { throw DataError(path: path, "corrupt WebP: \(describe(status))") }
            return RasterImage(width: width, height: height, channels: channels, pixels: pixels)
        }
    }

    /// Decodes into `output` (already the right size), returning libwebp's status so that the
    /// error can say why; `WebPDecodeRGBInto` would only say "failed".
    private static func decodeInto(_ input: UnsafeBufferPointer<UInt8>, _ output: UnsafeMutableBufferPointer<UInt8>,
                                   width: Int, height: Int, channels: Int) -> VP8StatusCode {
        var config = WebPDecoderConfig()
        guard WebPInitDecoderConfig(&config) != 0 else { return VP8_STATUS_INVALID_PARAM }
        config.output.colorspace = channels == 4 ? MODE_RGBA : MODE_RGB
        config.output.is_external_memory = 1
        config.output.u.RGBA.rgba = output.baseAddress
        config.output.u.RGBA.stride = Int32(width * channels)
        config.output.u.RGBA.size = output.count
        let status = WebPDecode(input.baseAddress, input.count, &config)
        // Frees nothing of ours (the memory is external) but is the documented pairing.
        WebPFreeDecBuffer(&config.output)
        return status
    }

    /// Encodes 8-bit interleaved pixels losslessly: gray becomes RGB (WebP has no gray
    /// format) and gray + alpha becomes RGBA, so decoding gives back the same samples with
    /// 3 or 4 channels — except the colour of fully transparent pixels, which libwebp's
    /// simple lossless API is free to change.
    public static func encode(_ image: RasterImage) throws -> [UInt8] {
        guard image.width >= 1, image.height >= 1, image.width <= 16_383, image.height <= 16_383 else {
            throw DataError(path: "(WebP encoder)", "WebP images are 1 to 16383 pixels a side, not \(image.width)x\(image.height)")
        }
        let alpha = image.channels % 2 == 0
        let colour = image.channels >= 3 ? image.pixels : expandGray(image)
        let stride = Int32(image.width * (alpha ? 4 : 3))
        var output: UnsafeMutablePointer<UInt8>?
        let size = colour.withUnsafeBufferPointer { pixels in
            alpha ? WebPEncodeLosslessRGBA(pixels.baseAddress, Int32(image.width), Int32(image.height), stride, &output)
                  : WebPEncodeLosslessRGB(pixels.baseAddress, Int32(image.width), Int32(image.height), stride, &output)
        }
        defer { WebPFree(output) }
        guard size > 0, let output else { throw DataError(path: "(WebP encoder)", "libwebp could not encode the image") }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    /// Gray (+ alpha) samples repeated into R, G and B (+ alpha).
    private static func expandGray(_ image: RasterImage) -> [UInt8] {
        let step = image.channels
        var result: [UInt8] = []
        result.reserveCapacity(image.width * image.height * (step + 2))
        for start in stride(from: 0, to: image.pixels.count, by: step) {
            let gray = image.pixels[start]
            result += [gray, gray, gray]
            if step == 2 { result.append(image.pixels[start + 1]) }
        }
        return result
    }

    /// libwebp's status codes in words.
    private static func describe(_ status: VP8StatusCode) -> String {
        switch status {
        case VP8_STATUS_OUT_OF_MEMORY: return "out of memory"
        case VP8_STATUS_INVALID_PARAM: return "invalid parameter"
        case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error (the data is damaged)"
        case VP8_STATUS_UNSUPPORTED_FEATURE: return "a feature libwebp does not support"
        case VP8_STATUS_SUSPENDED, VP8_STATUS_NOT_ENOUGH_DATA: return "the data ends early (truncated)"
        case VP8_STATUS_USER_ABORT: return "decoding aborted"
        default: return "libwebp status \(status.rawValue)"
        }
    }
}
