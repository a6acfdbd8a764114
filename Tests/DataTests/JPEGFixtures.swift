import CDCGANTurboJPEG
import Testing
@testable import DCGANData

/// Encodes interleaved 8-bit pixels (1 channel gray or 3 RGB) as a JPEG with TurboJPEG's
/// compressor, 4:4:4 (no chroma subsampling, so colours survive small images).
func jpegFile(_ image: RasterImage, quality: Int32 = 95) throws -> [UInt8] {
    guard let handle = tjInitCompress() else { throw DataError(path: "(test JPEG)", "tjInitCompress failed") }
    defer { tjDestroy(handle) }
    let gray = image.channels == 1
    var output: UnsafeMutablePointer<UInt8>?
    var size: UInt = 0
    let status = image.pixels.withUnsafeBufferPointer { pixels in
        tjCompress2(handle, pixels.baseAddress, Int32(image.width), 0, Int32(image.height),
                    Int32(gray ? TJPF_GRAY.rawValue : TJPF_RGB.rawValue), &output, &size,
                    Int32(gray ? TJSAMP_GRAY.rawValue : TJSAMP_444.rawValue), quality, 0)
    }
    defer { tjFree(output) }
    guard status == 0, let output else { throw DataError(path: "(test JPEG)", String(cString: tjGetErrorStr2(handle))) }
    return Array(UnsafeBufferPointer(start: output, count: Int(size)))
}

/// Largest difference between two equally long byte arrays.
func maxDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
    precondition(a.count == b.count, "compared arrays differ in length: \(a.count) and \(b.count)")
    return zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0
}

/// An interleaved image whose pixels vary smoothly (JPEG keeps smooth content close).
func smoothImage(width: Int, height: Int, channels: Int) -> RasterImage {
    var pixels: [UInt8] = []
    for y in 0..<height {
        for x in 0..<width {
            for c in 0..<channels { pixels.append(UInt8(20 + 100 * x / width + 60 * y / height + 35 * c)) }
        }
    }
    return RasterImage(width: width, height: height, channels: channels, pixels: pixels)
}
