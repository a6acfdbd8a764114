import CDCGANHDF5
import Foundation
import Testing
@testable import DCGANData

/// Serialized: the serial HDF5 library must not be entered from two threads at once.
@Suite(.serialized) struct HDF5Tests {
    /// Writes one uint8 array `key` of `shape` into a new file at `path`.
    func writeFile(_ path: String, key: String, shape: [Int], values: [UInt8]) {
        let writer = HDF5Writer(path)
        writer.array(key, shape: shape, values: values)
        writer.close()
    }

    @Test func readsColourAndGrayArraysAsNCHW() throws {
        let directory = try TemporaryDirectory()
        // Two 2-high, 3-wide RGB images (N x H x W x C); value = index in the array.
        let values: [UInt8] = (0..<36).map { UInt8($0) }
        writeFile(directory.file("rgb.h5"), key: "images", shape: [2, 2, 3, 3], values: values)
        let (rgb, skipped) = try HDF5Dataset.load(path: directory.file("rgb.h5"), key: "images", imageSize: 2, channels: 3)
        #expect((rgb.count, rgb.channels, rgb.height) == (2, 3, 2) && skipped == nil && rgb.labels == nil)
        // The central 2x2 square starts at column (3 - 2) / 2 = 0; image 0's red plane is
        // the samples at (y * 3 + x) * 3 for x in 0...1.
        #expect(Array(rgb.pixels.prefix(4)) == [0, 3, 9, 12])
        writeFile(directory.file("gray.h5"), key: "faces", shape: [3, 2, 2], values: (0..<12).map { UInt8($0 * 20) })
        let gray = try HDF5Dataset.load(path: directory.file("gray.h5"), key: "faces", imageSize: 2, channels: 1).dataset
        #expect(gray.pixels == (0..<12).map { UInt8($0 * 20) })
    }

    @Test func largeArraysAreReadInSlabs() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("stack.h5")
        writeFile(path, key: "x", shape: [11, 3, 3], values: (0..<99).map { UInt8($0) })
        // 9-byte images, 20-byte slabs: two images a slab, the last slab one.
        let dataset = try HDF5Dataset.load(path: path, key: "x", imageSize: 3, channels: 1, slabBytes: 20).dataset
        #expect(dataset.pixels == (0..<99).map { UInt8($0) })
    }

    /// The "Make Your Own GAN" book's CelebA: group `img_align_celeba`, one 218 x 178 x 3
    /// uint8 dataset per image, named like the JPEG files it was made from.
    @Test func readsTheBooksCelebAGroupInNameOrder() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("celeba_aligned_small.h5py")
        let colours: [[UInt8]] = [[200, 10, 10], [10, 200, 10], [10, 10, 200]]
        let writer = HDF5Writer(path)
        writer.group("img_align_celeba")
        // Written out of order: the members are read by name.
        for index in [2, 0, 1] {
            writer.array(String(format: "img_align_celeba/%06d.jpg", index + 1), shape: [218, 178, 3],
                         values: borderedImage(height: 218, width: 178, border: 20, colour: colours[index]))
        }
        writer.close()
        // The centre 178 x 178 square starts at row (218 - 178) / 2 = 20, below the white rows.
        let expected = colours.flatMap { colour in colour.flatMap { [UInt8](repeating: $0, count: 64) } }
        let (dataset, skipped) = try HDF5Dataset.load(path: path, key: "img_align_celeba", imageSize: 8, channels: 3)
        #expect((dataset.count, dataset.channels, dataset.height) == (3, 3, 8) && skipped == nil)
        #expect(dataset.pixels == expected)

        let loaded = try DatasetCatalog.load(name: "hdf5", root: path, imageSize: 8, channels: 3, options: DatasetOptions(hdf5Key: "img_align_celeba"))
        #expect(loaded.training.pixels == expected && loaded.notes.isEmpty)
        #expect(loaded.training.labels == nil && loaded.training.classNames == nil)
        #expect(dataErrorMessage { _ = try DatasetCatalog.load(name: "hdf5", root: path, imageSize: 8, channels: 3,
                                                                options: DatasetOptions(classes: "0", hdf5Key: "img_align_celeba")) }
            == "\(path): the hdf5 images have no labels, so --classes cannot pick among them")
    }

    @Test func groupMembersMayBePixelsOrEncodedBytesAndOthersAreSkipped() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("mixed.h5")
        let writer = HDF5Writer(path)
        writer.group("mixed")
        writer.array("mixed/a-gray", shape: [6, 6], values: [UInt8](repeating: 77, count: 36))
        writer.array("mixed/b-rgba", shape: [4, 4, 4], values: (0..<16).flatMap { _ in [UInt8](arrayLiteral: 1, 2, 3, 4) })
        let png = try PNGCodec.encode(pixels: (0..<25).flatMap { _ in [UInt8](arrayLiteral: 50, 60, 70) }, width: 5, height: 5, channels: 3)
        writer.array("mixed/c-png", shape: [png.count], values: png)
        let jpeg = try jpegFile(RasterImage(width: 8, height: 8, channels: 3, pixels: (0..<64).flatMap { _ in [UInt8](arrayLiteral: 90, 160, 220) }))
        writer.array("mixed/d-jpeg", shape: [jpeg.count], values: jpeg)
        let webp = try WebPCodec.encode(RasterImage(width: 4, height: 4, channels: 3, pixels: (0..<16).flatMap { _ in [UInt8](arrayLiteral: 5, 6, 7) }))
        writer.array("mixed/e-webp", shape: [webp.count], values: webp)
        writer.array("mixed/f-wide", shape: [4, 4, 5], values: [UInt8](repeating: 0, count: 80))
        writer.array("mixed/g-uint16", shape: [4, 4], values: [UInt8](repeating: 0, count: 32), elementBytes: 2)
        writer.array("mixed/h-stack", shape: [2, 4, 4, 3], values: [UInt8](repeating: 0, count: 96))
        writer.group("mixed/i-subgroup")
        writer.array("mixed/j-text", shape: [5], values: Array("hello".utf8))
        writer.array("mixed/k-int8", shape: [4, 4], values: [UInt8](repeating: 0, count: 16), signed: true)
        writer.close()

        let (dataset, skipped) = try HDF5Dataset.load(path: path, key: "mixed", imageSize: 4, channels: 3)
        #expect(dataset.count == 5)
        let pixels = dataset.pixels
        let exact: [(Int, [UInt8])] = [(0, [77, 77, 77]), (1, [1, 2, 3]), (2, [50, 60, 70]), (4, [5, 6, 7])]
        for (index, colour) in exact {
            #expect(Array(pixels[(index * 48) ..< (index * 48 + 48)]) == colour.flatMap { [UInt8](repeating: $0, count: 16) }, "image \(index)")
        }
        #expect(maxDifference(Array(pixels[144 ..< 192]), [90, 160, 220].flatMap { [UInt8](repeating: $0, count: 16) }) <= 3)
        #expect(skipped?.description == "skipped 6 unreadable group members, e.g. \(path)[mixed/f-wide]: has shape [4, 4, 5], not an image (H x W x C with C from 1 to 4, H x W, or 1-D encoded bytes)")
    }

    @Test func groupsAreReadInRunsAndKeepTheirOrder() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("many.h5")
        let writer = HDF5Writer(path)
        writer.group("g")
        for index in 0..<300 { writer.array(String(format: "g/%04d", index), shape: [3, 3], values: [UInt8](repeating: UInt8(index % 251), count: 9)) }
        writer.close()
        // 9-byte members, 40-byte runs: five members a run; and runs of 256 members by default.
        for slab in [40, HDF5Dataset.defaultSlabBytes] {
            let dataset = try HDF5Dataset.load(path: path, key: "g", imageSize: 1, channels: 1, slabBytes: slab).dataset
            #expect(dataset.pixels == (0..<300).map { UInt8($0 % 251) })
        }
    }

    @Test func groupsWithoutAnImageAreErrors() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("none.h5")
        let writer = HDF5Writer(path)
        writer.group("empty")
        writer.group("words")
        writer.array("words/x", shape: [4, 4], values: [UInt8](repeating: 0, count: 32), elementBytes: 2)
        writer.close()
        #expect(dataErrorMessage { _ = try HDF5Dataset.load(path: path, key: "empty", imageSize: 2, channels: 1) } == "\(path): 'empty' is an empty group")
        #expect(dataErrorMessage { _ = try HDF5Dataset.load(path: path, key: "words", imageSize: 2, channels: 1) }
            == "\(path): 'words' holds no usable image: all 1 members are unusable, e.g. \(path)[words/x]: does not hold unsigned bytes (uint8)")
    }

    /// Rank 3 is N x H x W gray images or one H x W x C image: the shape rule or the HDF5
    /// image attribute `CLASS = "IMAGE"` decides, never a silent guess.
    @Test func rank3ArraysAreOneImageOnlyByTheRuleOrTheImageAttribute() throws {
        let directory = try TemporaryDirectory()
        let one = directory.file("one.h5")
        writeFile(one, key: "photo", shape: [6, 5, 3], values: (0..<90).map { UInt8($0) })
        let photo = try HDF5Dataset.load(path: one, key: "photo", imageSize: 5, channels: 3).dataset
        #expect(photo.count == 1)
        // The central 5x5 square starts at row (6 - 5) / 2 = 0; red is every third sample.
        #expect(Array(photo.pixels.prefix(25)) == (0..<25).map { UInt8($0 * 3) })
        #expect(HDF5Dataset.isSingleImage(shape: [64, 64, 4], markedAsImage: false))
        #expect(!HDF5Dataset.isSingleImage(shape: [1000, 28, 28], markedAsImage: false))

        let small = directory.file("small.h5")
        let writer = HDF5Writer(small)
        for key in ["stack", "fixed", "variable", "planar", "other"] { writer.array(key, shape: [2, 2, 3], values: (0..<12).map { UInt8($0) }) }
        writer.stringAttribute("CLASS", "IMAGE", on: "fixed", variableLength: false)
        writer.stringAttribute("CLASS", "IMAGE", on: "variable", variableLength: true)
        writer.stringAttribute("CLASS", "IMAGE", on: "planar", variableLength: false)
        writer.stringAttribute("INTERLACE_MODE", "INTERLACE_PLANE", on: "planar", variableLength: false)
        writer.stringAttribute("CLASS", "TABLE", on: "other", variableLength: true)
        writer.close()
        // 2 x 2 x 3 unmarked: first dimensions of at most 4, so two gray 2-high, 3-wide images,
        // each cropped to its left 2 x 2 square.
        for key in ["stack", "other"] {
            let stack = try HDF5Dataset.load(path: small, key: key, imageSize: 2, channels: 1).dataset
            #expect(stack.count == 2 && stack.pixels == [0, 1, 3, 4, 6, 7, 9, 10], "\(key)")
        }
        for key in ["fixed", "variable"] {
            let image = try HDF5Dataset.load(path: small, key: key, imageSize: 2, channels: 3).dataset
            #expect(image.count == 1 && image.pixels == [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11], "\(key)")
        }
        #expect(dataErrorMessage { _ = try HDF5Dataset.load(path: small, key: "planar", imageSize: 2, channels: 3) }
            == "\(small): 'planar' is an INTERLACE_PLANE image (C x H x W); only pixel-interlaced H x W x C images are read")
    }

    @Test func missingKeysAndOtherFilesAreOneLineErrors() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("data.h5")
        writeFile(path, key: "images", shape: [1, 2, 2], values: [1, 2, 3, 4])
        #expect(dataErrorMessage { _ = try HDF5Dataset.load(path: path, key: "celeba", imageSize: 2, channels: 1) }
            == "\(path): no dataset or group 'celeba' (--hdf5-key); the file holds: images")
        #expect(dataErrorMessage { _ = try HDF5Dataset.load(path: path, key: "a/b", imageSize: 2, channels: 1) }
            == "\(path): no dataset or group 'a/b' (--hdf5-key); the file holds: images")
        writeFile(directory.file("flat.h5"), key: "x", shape: [4, 4], values: [UInt8](repeating: 0, count: 16))
        #expect(dataErrorMessage { _ = try HDF5Dataset.load(path: directory.file("flat.h5"), key: "x", imageSize: 2, channels: 1) }
            == "\(directory.file("flat.h5")): 'x' has 2 dimensions; images are N x H x W x C, N x H x W or one H x W x C")
        let wide = HDF5Writer(directory.file("wide.h5"))
        wide.array("x", shape: [2, 2, 2], values: [UInt8](repeating: 0, count: 16), elementBytes: 2)
        wide.close()
        #expect(dataErrorMessage { _ = try HDF5Dataset.load(path: directory.file("wide.h5"), key: "x", imageSize: 2, channels: 1) }
            == "\(directory.file("wide.h5")): 'x' does not hold unsigned bytes (uint8)")
        try directory.write(Array("plain text".utf8), to: "text.h5")
        #expect(dataErrorMessage { _ = try HDF5Dataset.load(path: directory.file("text.h5"), key: "images", imageSize: 2, channels: 1) }
            == "\(directory.file("text.h5")): not an HDF5 file")
        let whole = try [UInt8](Foundation.Data(contentsOf: URL(fileURLWithPath: path)))
        try directory.write(Array(whole.prefix(whole.count / 2)), to: "cut.h5")
        #expect(dataErrorMessage { _ = try HDF5Dataset.load(path: directory.file("cut.h5"), key: "images", imageSize: 2, channels: 1) } != nil)
    }
}
