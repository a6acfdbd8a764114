import Foundation
import Testing
@testable import DCGANData

@Suite struct ImageFolderTests {
    /// A constant square image, interleaved.
    func constant(_ value: [UInt8], side: Int) -> RasterImage {
        RasterImage(width: side, height: side, channels: value.count, pixels: (0 ..< side * side).flatMap { _ in value })
    }

    func writePNG(_ image: RasterImage, _ name: String, in directory: TemporaryDirectory) throws {
        try directory.write(PNGCodec.encode(image), to: name)
    }

    /// Every plane of image `index` of `dataset`, one array per channel.
    func planes(_ dataset: ImageDataset, _ index: Int) -> [[UInt8]] {
        let plane = dataset.height * dataset.width
        return dataset.withImage(index) { image in (0..<dataset.channels).map { Array(UnsafeBufferPointer(start: image + $0 * plane, count: plane)) } }
    }

    @Test func decodesEveryKindOfFileToRGB() throws {
        let directory = try TemporaryDirectory()
        try writePNG(constant([100], side: 8), "a-gray.png", in: directory)
        try writePNG(constant([10, 20, 30], side: 8), "b-rgb.png", in: directory)
        try writePNG(constant([200, 100, 50, 7], side: 8), "c-rgba.PNG", in: directory)
        // 2x2 16-bit gray, every sample 0x4000, enlarged to 8x8.
        try directory.write(pngFile(width: 2, height: 2, bitDepth: 16, colorType: 0, rows: [0, 0x40, 0, 0x40, 0, 0, 0x40, 0, 0x40, 0]), to: "d-deep.png")
        // 2x2 palette image, every index 1 (green).
        try directory.write(pngFile(width: 2, height: 2, bitDepth: 8, colorType: 3, extraChunks: [("PLTE", [255, 0, 0, 0, 255, 0])],
                                    rows: [0, 1, 1, 0, 1, 1]), to: "e-palette.png")
        try directory.write(jpegFile(constant([90, 160, 220], side: 8)), to: "f-color.jpg")
        try directory.write(jpegFile(constant([77], side: 8)), to: "g-gray.jpeg")
        try directory.write(Array("not an image".utf8), to: "notes.txt")

        let (dataset, skipped) = try ImageFolderDataset.load(root: directory.path, imageSize: 8, channels: 3)
        #expect(skipped == nil)
        #expect((dataset.count, dataset.channels, dataset.height, dataset.width) == (7, 3, 8, 8))
        #expect(dataset.labels == nil)
        let expected: [[UInt8]] = [[100, 100, 100], [10, 20, 30], [200, 100, 50], [64, 64, 64], [0, 255, 0]]
        for (index, colour) in expected.enumerated() {
            #expect(planes(dataset, index) == colour.map { [UInt8](repeating: $0, count: 64) }, "image \(index)")
        }
        for (index, colour) in [(5, [90, 160, 220]), (6, [77, 77, 77])] {
            let got = planes(dataset, index)
            for c in 0..<3 { #expect(maxDifference(got[c], [UInt8](repeating: UInt8(colour[c]), count: 64)) <= 3, "JPEG image \(index)") }
        }
    }

    @Test func cropsTheCentralSquareAndShrinksWithABoxFilter() throws {
        let directory = try TemporaryDirectory()
        // 12 wide, 8 high: two white columns on each side, the centre 8x8 counts up.
        var wide: [UInt8] = []
        for y in 0..<8 { for x in 0..<12 { wide.append(x < 2 || x >= 10 ? 255 : UInt8(y * 8 + x - 2)) } }
        try writePNG(RasterImage(width: 12, height: 8, channels: 1, pixels: wide), "a.png", in: directory)
        // 8x8 of 2x2 blocks, shrunk to 4x4: each output pixel is one block's mean.
        var blocks: [UInt8] = []
        for y in 0..<8 {
            for x in 0..<8 {
                let block: Int = y / 2 * 4 + x / 2
                blocks.append(UInt8(block * 10 + (x + y) % 2 * 2))
            }
        }
        try writePNG(RasterImage(width: 8, height: 8, channels: 1, pixels: blocks), "b.png", in: directory)

        let cropped = try ImageFolderDataset.load(root: directory.path, imageSize: 8, channels: 1).dataset
        #expect(planes(cropped, 0) == [(0..<64).map(UInt8.init)])
        let shrunk = try ImageFolderDataset.load(root: directory.path, imageSize: 4, channels: 1).dataset
        let means: [UInt8] = (0..<16).map { UInt8($0 * 10 + 1) }
        #expect(planes(shrunk, 1) == [means])
    }

    @Test func colourBecomesGrayByLuma() throws {
        let directory = try TemporaryDirectory()
        try writePNG(constant([10, 20, 30, 255], side: 4), "a.png", in: directory)
        let dataset = try ImageFolderDataset.load(root: directory.path, imageSize: 4, channels: 1).dataset
        #expect(planes(dataset, 0) == [[UInt8](repeating: 18, count: 16)])  // 0.299*10 + 0.587*20 + 0.114*30 = 18.65
    }

    @Test func subfoldersAreClasses() throws {
        let directory = try TemporaryDirectory()
        for folder in ["dogs", "cats"] { try FileManager.default.createDirectory(atPath: directory.file(folder), withIntermediateDirectories: false) }
        try writePNG(constant([1], side: 4), "dogs/a.png", in: directory)
        try writePNG(constant([2], side: 4), "cats/z.png", in: directory)
        try writePNG(constant([3], side: 4), "dogs/b.png", in: directory)
        let dataset = try ImageFolderDataset.load(root: directory.path, imageSize: 4, channels: 1).dataset
        #expect(dataset.classNames == ["cats", "dogs"])
        #expect(dataset.labels == [0, 1, 1])
        #expect(planes(dataset, 0)[0][0] == 2 && planes(dataset, 2)[0][0] == 3)
    }

    @Test func unreadableFilesAreSkippedAndSummarisedOnce() throws {
        let directory = try TemporaryDirectory()
        try writePNG(constant([9], side: 4), "good.png", in: directory)
        let jpeg = try jpegFile(smoothImage(width: 32, height: 32, channels: 3))
        try directory.write(Array(jpeg.prefix(jpeg.count / 2)), to: "half.jpg")
        try directory.write(Array("hello".utf8), to: "text.png")
        let (dataset, skipped) = try ImageFolderDataset.load(root: directory.path, imageSize: 4, channels: 3)
        #expect(dataset.count == 1)
        let line = try #require(skipped?.description)
        #expect(line.hasPrefix("skipped 2 unreadable files, e.g. \(directory.file("half.jpg")): "))
        #expect(!line.contains("\n"))
    }

    @Test func foldersWithoutAUsableImageAreErrors() throws {
        let empty = try TemporaryDirectory()
        #expect(dataErrorMessage { _ = try ImageFolderDataset.load(root: empty.path, imageSize: 8, channels: 3) }
            == "\(empty.path): holds no image files (.jpg, .jpeg, .jpe, .png or .webp)")
        let texts = try TemporaryDirectory()
        try texts.write(Array("a".utf8), to: "a.txt")
        try texts.write(Array("b".utf8), to: "b.csv")
        #expect(dataErrorMessage { _ = try ImageFolderDataset.load(root: texts.path, imageSize: 8, channels: 3) }
            == "\(texts.path): holds no image files (.jpg, .jpeg, .jpe, .png or .webp)")
        try texts.write(Array("c".utf8), to: "c.jpg")
        #expect(dataErrorMessage { _ = try ImageFolderDataset.load(root: texts.path, imageSize: 8, channels: 3) }?
            .hasPrefix("\(texts.path): holds no usable image: all 1 image files are unreadable, e.g. \(texts.file("c.jpg")): ") == true)
        #expect(dataErrorMessage { _ = try ImageFolderDataset.load(root: texts.file("nothing"), imageSize: 8, channels: 3) }
            == "\(texts.file("nothing")): not found")
        #expect(dataErrorMessage { _ = try ImageFolderDataset.load(root: texts.file("a.txt"), imageSize: 8, channels: 3) }
            == "\(texts.file("a.txt")): is not a directory of images")
    }

    @Test func hugeDeclaredPNGIsSkippedNotAllocated() throws {
        let directory = try TemporaryDirectory()
        try writePNG(constant([5], side: 4), "a.png", in: directory)
        try directory.write(pngFile(width: 100_000, height: 100_000, bitDepth: 8, colorType: 0, rows: [0, 0]), to: "huge.png")
        let (dataset, skipped) = try ImageFolderDataset.load(root: directory.path, imageSize: 4, channels: 1)
        #expect(dataset.count == 1)
        #expect(skipped?.description == "skipped 1 unreadable file, e.g. \(directory.file("huge.png")): PNG declares 100000x100000 pixels, more than the limit of 67108864 pixels, 16384 a side")
    }

    @Test func parallelDecodingKeepsPathOrder() throws {
        let directory = try TemporaryDirectory()
        for index in 0..<40 { try writePNG(constant([UInt8(index * 5)], side: 6), String(format: "img-%02d.png", index), in: directory) }
        let dataset = try ImageFolderDataset.load(root: directory.path, imageSize: 3, channels: 1).dataset
        #expect((0..<40).map { planes(dataset, $0)[0] } == (0..<40).map { [UInt8](repeating: UInt8($0 * 5), count: 9) })
    }
}
