import Foundation
import Testing
@testable import DCGANData

/// Image folders are untrusted: a FIFO among the images must not hang loading, and a small
/// file declaring a huge picture must be refused before its pixels are allocated.
@Suite struct UntrustedImageTests {
    @Test func aFIFONamedLikeAnImageIsSkippedNotWaitedOn() throws {
        let directory = try TemporaryDirectory()
        try directory.write(PNGCodec.encode(pixels: [UInt8](repeating: 9, count: 16), width: 4, height: 4, channels: 1), to: "a.png")
        #expect(mkfifo(directory.file("x.png"), 0o644) == 0)
        let (dataset, skipped) = try ImageFolderDataset.load(root: directory.path, imageSize: 4, channels: 1)
        #expect(dataset.count == 1 && skipped == nil)
        // Opened directly, it is refused at once rather than waited on.
        #expect(dataErrorMessage { _ = try ReadOnlyFile(path: directory.file("x.png")) } == "\(directory.file("x.png")): is not a regular file")
    }

    @Test func decompressionBombsAreRefusedBeforeAllocating() throws {
        // 16000 x 16000 gray: 256 Mi pixels, 1 GiB per decoding thread as RGBA if believed.
        let png = pngFile(width: 16_000, height: 16_000, bitDepth: 8, colorType: 0, rows: [0, 0])
        #expect(dataErrorMessage { _ = try PNGCodec.decode(bytes: png, path: "bomb.png") }
            == "bomb.png: PNG declares 16000x16000 pixels, more than the limit of 67108864 pixels, 16384 a side")
        // A JPEG header of a few hundred bytes claiming 9000 x 8000.
        var jpeg = try jpegFile(smoothImage(width: 8, height: 8, channels: 1))
        let sof = try #require((0 ..< jpeg.count - 1).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
        jpeg.replaceSubrange((sof + 5)...(sof + 8), with: [0x1F, 0x40, 0x23, 0x28])  // 8000 high, 9000 wide
        #expect(dataErrorMessage { _ = try JPEGCodec.decode(bytes: jpeg, path: "bomb.jpg") }
            == "bomb.jpg: JPEG declares 9000x8000 pixels, more than the limit of 67108864 pixels, 16384 a side")
    }

    /// Images that cannot fit in memory at the size asked for are refused, with both numbers,
    /// before their pixels are allocated.
    @Test func datasetsThatCannotFitAreRefusedBeforeAllocating() throws {
        let directory = try TemporaryDirectory()
        try directory.write(PNGCodec.encode(pixels: [UInt8](repeating: 9, count: 16), width: 4, height: 4, channels: 1), to: "a.png")
        let folder = dataErrorMessage { _ = try ImageFolderDataset.load(root: directory.path, imageSize: 300_000, channels: 3) }
        #expect(folder?.hasPrefix("\(directory.path): 1 images of 300000x300000x3 needs about 251.5 GiB of memory, but only ") == true, "\(folder ?? "")")
        let fake = dataErrorMessage {
            _ = try DatasetCatalog.load(name: "fake", root: "fake", imageSize: 300_000, channels: 3, options: DatasetOptions(fakeCount: 4))
        }
        #expect(fake?.contains("4 images of 300000x300000x3 needs about 1005.8 GiB of memory, but only ") == true, "\(fake ?? "")")
    }
}
