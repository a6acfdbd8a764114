import CDCGANTurboJPEG

/// JPEG decoding through libjpeg-turbo's TurboJPEG API.
///
/// TurboJPEG (unlike the classic libjpeg API, which reports errors by longjmp or exit)
/// returns a status and keeps a message per handle, so a corrupt file is a clean Swift error.
public enum JPEGCodec {
    /// Whether `bytes` start like a JPEG (SOI marker FF D8 followed by another marker).
    public static func isJPEG(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF
    }

    /// Decodes a baseline or progressive JPEG to 8-bit interleaved pixels: grayscale files
    /// give 1 channel, colour files 3 (RGB). `path` names the source in error messages.
    ///
    /// The declared size is checked against `PNGCodec`'s limits before the pixel buffer is
    /// allocated. Warnings count as failures — a file cut short decodes to grey filler with
    /// only a warning, and such an image must not enter a training set — and progressive
    /// files with absurdly many scans are refused (TJFLAG_LIMITSCANS), so a crafted file
    /// cannot make decoding take minutes.
    public static func decode(bytes: [UInt8], path: String) throws -> RasterImage {
        guard let handle = tjInitDecompress() else { throw DataError(path: path, "cannot initialise the JPEG decoder") }
        defer { tjDestroy(handle) }
        return try bytes.withUnsafeBufferPointer { buffer in
            var (width, height, subsampling, colorspace): (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
            guard tjDecompressHeader3(handle, buffer.baseAddress, UInt(buffer.count), &width, &height, &subsampling, &colorspace) == 0 else {
                throw DataError(path: path, "not a readable JPEG: \(message(handle))")
            }
            guard width >= 1, height >= 1 else { throw DataError(path: path, "JPEG declares \(width)x\(height) pixels") }
            if let problem = PNGCodec.sizeProblem("JPEG", width: Int(width), height: Int(height)) { throw DataError(path: path, problem) }
            guard colorspace != Int32(TJCS_CMYK.rawValue), colorspace != Int32(TJCS_YCCK.rawValue) else {
                throw DataError(path: path, "CMYK JPEGs are not supported")
            }
            let gray = colorspace == Int32(TJCS_GRAY.rawValue)
            let channels = gray ? 1 : 3
            let format = gray ? Int32(TJPF_GRAY.rawValue) : Int32(TJPF_RGB.rawValue)
            var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * channels)
            let status = pixels.withUnsafeMutableBufferPointer { target in
                tjDecompress2(handle, buffer.baseAddress, UInt(buffer.count), target.baseAddress, width, 0, height, format,
                              TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS)
            }
            guard status == 0 else { throw DataError(path: path, "corrupt JPEG: \(message(handle))") }
            return RasterImage(width: Int(width), height: Int(height), channels: channels, pixels: pixels)
        }
    }

    private static func message(_ handle: tjhandle) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "libjpeg-turbo failed without a message" }
        return String(cString: text)
    }
}
