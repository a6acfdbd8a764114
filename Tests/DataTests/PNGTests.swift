import Testing
@testable import DCGANData

@Suite struct PNGTests {
    @Test(arguments: [1, 2, 3, 4])
    func roundTripsEveryChannelLayout(channels: Int) throws {
        let (width, height) = (13, 7)  // odd sizes catch row-stride mistakes
        let pixels = (0 ..< width * height * channels).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ $0 / 5) }
        let encoded = try PNGCodec.encode(pixels: pixels, width: width, height: height, channels: channels)
        #expect(Array(encoded.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let decoded = try PNGCodec.decode(bytes: encoded, path: "round.png")
        #expect(decoded == RasterImage(width: width, height: height, channels: channels, pixels: pixels))
    }

    @Test func decodesPaletteImagesToRGB() throws {
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255]
        let rows: [UInt8] = [0, 0, 1, 2, 0, 2, 1, 0]  // filter byte 0, then 3 indices, per row
        let png = pngFile(width: 3, height: 2, bitDepth: 8, colorType: 3, extraChunks: [("PLTE", palette)], rows: rows)
        let image = try PNGCodec.decode(bytes: png, path: "palette.png")
        #expect((image.width, image.height, image.channels) == (3, 2, 3))
        #expect(image.pixels == [255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 255, 0, 255, 0, 255, 0, 0])
    }

    @Test func reducesSixteenBitSamplesToEight() throws {
        // One row of four 16-bit gray samples, big-endian.
        let rows: [UInt8] = [0, 0x00, 0x00, 0x80, 0x80, 0xFF, 0xFF, 0x40, 0x00]
        let png = pngFile(width: 4, height: 1, bitDepth: 16, colorType: 0, rows: rows)
        let image = try PNGCodec.decode(bytes: png, path: "deep.png")
        #expect(image.channels == 1)
        #expect(image.pixels == [0, 128, 255, 64])
    }

    @Test func hugeDeclaredSizeIsAnErrorNotAnAllocation() {
        // A valid IHDR (correct CRC) for 100000x100000 gray pixels: 10 GB if believed.
        let png = pngFile(width: 100_000, height: 100_000, bitDepth: 8, colorType: 0, rows: [0, 0])
        let message = dataErrorMessage { _ = try PNGCodec.decode(bytes: png, path: "huge.png") }
        #expect(message == "huge.png: PNG declares 100000x100000 pixels, more than the limit of 67108864 pixels, 16384 a side")
    }

    @Test func garbageAndTruncatedFilesAreErrors() throws {
        #expect(dataErrorMessage { _ = try PNGCodec.decode(bytes: Array("not a png".utf8), path: "x.png") }?
            .hasPrefix("x.png: not a readable PNG: ") == true)
        let good = try PNGCodec.encode(pixels: [UInt8](repeating: 90, count: 64 * 64), width: 64, height: 64, channels: 1)
        #expect(dataErrorMessage { _ = try PNGCodec.decode(bytes: Array(good.prefix(good.count - 30)), path: "cut.png") } != nil)
    }
}
