import Testing
@testable import DCGANData

@Suite struct JPEGTests {
    @Test(arguments: [1, 3])
    func decodesWhatTurboJPEGEncoded(channels: Int) throws {
        let image = smoothImage(width: 13, height: 9, channels: channels)
        let decoded = try JPEGCodec.decode(bytes: try jpegFile(image), path: "round.jpg")
        #expect((decoded.width, decoded.height, decoded.channels) == (13, 9, channels))
        #expect(maxDifference(decoded.pixels, image.pixels) <= 6)
    }

    @Test func fileCutInHalfIsAnError() throws {
        let good = try jpegFile(smoothImage(width: 16, height: 16, channels: 3))
        let message = dataErrorMessage { _ = try JPEGCodec.decode(bytes: Array(good.prefix(good.count / 2)), path: "cut.jpg") }
        #expect(message?.hasPrefix("cut.jpg: ") == true)
    }

    @Test func hugeDeclaredSizeIsAnErrorNotAnAllocation() throws {
        var bytes = try jpegFile(smoothImage(width: 8, height: 8, channels: 1))
        // The SOF0 segment: FF C0, length (2), precision (1), height (2), width (2).
        let sof = try #require((0 ..< bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        bytes.replaceSubrange((sof + 5)...(sof + 8), with: [0xEA, 0x60, 0xEA, 0x60])  // 60000 x 60000
        let message = dataErrorMessage { _ = try JPEGCodec.decode(bytes: bytes, path: "huge.jpg") }
        #expect(message == "huge.jpg: JPEG declares 60000x60000 pixels, more than the limit of 67108864 pixels, 16384 a side")
    }

    @Test func garbageIsAnError() {
        let message = dataErrorMessage { _ = try JPEGCodec.decode(bytes: [0xFF, 0xD8, 0xFF, 1, 2, 3], path: "junk.jpg") }
        #expect(message?.hasPrefix("junk.jpg: ") == true)
    }
}
