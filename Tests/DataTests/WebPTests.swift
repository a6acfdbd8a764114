import CDCGANWebP
import Foundation
import Testing
@testable import DCGANData

/// A lossy WebP made with libwebp's own encoder, as the LSUN export's files are.
func lossyWebP(_ image: RasterImage, quality: Float = 90) throws -> [UInt8] {
    precondition(image.channels == 3, "the fixture encodes RGB")
    var output: UnsafeMutablePointer<UInt8>?
    let size = image.pixels.withUnsafeBufferPointer {
        WebPEncodeRGB($0.baseAddress, Int32(image.width), Int32(image.height), Int32(image.width * 3), quality, &output)
    }
    defer { WebPFree(output) }
    guard size > 0, let output else { throw DataError(path: "(test)", "WebPEncodeRGB failed") }
    return Array(UnsafeBufferPointer(start: output, count: size))
}

/// `smoothImage` in RGB, or with an alpha channel that varies too (never fully transparent,
/// where libwebp may change the colour).
func smoothWebPImage(width: Int, height: Int, alpha: Bool) -> RasterImage {
    let rgb = smoothImage(width: width, height: height, channels: 3)
    guard alpha else { return rgb }
    var pixels: [UInt8] = []
    for i in 0 ..< width * height {
        pixels += rgb.pixels[(i * 3) ..< (i * 3 + 3)]
        pixels.append(UInt8(40 + i % 200))
    }
    return RasterImage(width: width, height: height, channels: 4, pixels: pixels)
}

@Suite struct WebPTests {
    @Test(arguments: [false, true])
    func losslessRoundTripIsExact(alpha: Bool) throws {
        let image = smoothWebPImage(width: 13, height: 7, alpha: alpha)
        let bytes = try WebPCodec.encode(image)
        #expect(WebPCodec.isWebP(bytes) && !JPEGCodec.isJPEG(bytes))
        #expect(try WebPCodec.decode(bytes: bytes, path: "x.webp") == image)
        #expect(try decodeImage(bytes, path: "no-extension") == image)
    }

    @Test func grayIsStoredAsRGB() throws {
        let gray = smoothImage(width: 5, height: 4, channels: 1)
        let decoded = try WebPCodec.decode(bytes: WebPCodec.encode(gray), path: "g.webp")
        #expect(decoded.channels == 3)
        #expect(decoded.pixels == gray.pixels.flatMap { [$0, $0, $0] })
        let withAlpha = RasterImage(width: 2, height: 1, channels: 2, pixels: [10, 200, 30, 40])
        #expect(try WebPCodec.decode(bytes: WebPCodec.encode(withAlpha), path: "ga.webp").pixels == [10, 10, 10, 200, 30, 30, 30, 40])
    }

    @Test func lossyFilesDecodeClose() throws {
        let image = smoothImage(width: 32, height: 24, channels: 3)
        let decoded = try WebPCodec.decode(bytes: lossyWebP(image), path: "lossy.webp")
        #expect((decoded.width, decoded.height, decoded.channels) == (32, 24, 3))
        #expect(maxDifference(decoded.pixels, image.pixels) <= 16)
    }

    @Test func damagedFilesAreOneLineErrors() throws {
        let good = try lossyWebP(smoothImage(width: 32, height: 24, channels: 3))
        let cut = Array(good.prefix(good.count / 2))
        #expect(dataErrorMessage { _ = try WebPCodec.decode(bytes: cut, path: "cut.webp") }
            == "cut.webp: truncated WebP: its RIFF header declares \(good.count) bytes, the data holds \(cut.count)")
        // Cut short with the RIFF size patched to match: libwebp itself must notice.
        var patched = cut
        let riffSize = cut.count - 8
        for i in 0..<4 { patched[4 + i] = UInt8(truncatingIfNeeded: riffSize >> (8 * i)) }
        #expect(dataErrorMessage { _ = try WebPCodec.decode(bytes: patched, path: "p.webp") }?.hasPrefix("p.webp: ") == true)
        var chunk = good
        chunk.replaceSubrange(12..<16, with: Array("ABCD".utf8))
        #expect(dataErrorMessage { _ = try WebPCodec.decode(bytes: chunk, path: "c.webp") }?.hasPrefix("c.webp: not a readable WebP: ") == true)
        #expect(dataErrorMessage { _ = try WebPCodec.decode(bytes: Array("RIFF".utf8), path: "s.webp") }
            == "s.webp: not a WebP file (no RIFF....WEBP signature)")
        #expect(dataErrorMessage { _ = try decodeImage(Array("plain text".utf8), path: "t.bin") } == "t.bin: not a JPEG, PNG or WebP image")
    }

    @Test func foldersReadWebPFilesByExtensionAndContent() throws {
        let directory = try TemporaryDirectory()
        for folder in ["cats", "dogs"] { try FileManager.default.createDirectory(atPath: directory.file(folder), withIntermediateDirectories: false) }
        let red = RasterImage(width: 6, height: 6, channels: 3, pixels: (0..<36).flatMap { _ in [UInt8](arrayLiteral: 220, 30, 10) })
        let blue = RasterImage(width: 6, height: 6, channels: 3, pixels: (0..<36).flatMap { _ in [UInt8](arrayLiteral: 5, 40, 250) })
        try directory.write(WebPCodec.encode(red), to: "cats/a.webp")
        try directory.write(WebPCodec.encode(blue), to: "dogs/b.WEBP")
        let (dataset, skipped) = try ImageFolderDataset.load(root: directory.path, imageSize: 3, channels: 3)
        #expect(skipped == nil && dataset.count == 2)
        #expect(dataset.pixels == [220, 30, 10, 5, 40, 250].flatMap { [UInt8](repeating: $0, count: 9) })
        #expect(dataset.labels == [0, 1] && dataset.classNames == ["cats", "dogs"])
    }
}
