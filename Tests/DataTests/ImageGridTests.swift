import Foundation
import DCGANTensor
import Testing
@testable import DCGANData

@Suite struct ImageGridTests {
    @Test func tilesAndPaddingLandWhereTorchvisionPutsThem() {
        // Three 1-channel 2x2 images, two per row, 1 pixel of padding: a 7x7 sheet.
        let images = Tensor(shape: [3, 1, 2, 2], values: [1, 1, 1, 1,  0, 0, 0, 0,  -1, -0.5, 0.5, 2])
        let grid = ImageGrid.make(images: images, columns: 2, padding: 1)
        #expect((grid.width, grid.height, grid.channels) == (7, 7, 1))
        let expected: [[UInt8]] = [
            [0, 0, 0, 0, 0, 0, 0],
            [0, 255, 255, 0, 128, 128, 0],
            [0, 255, 255, 0, 128, 128, 0],
            [0, 0, 0, 0, 0, 0, 0],
            [0, 0, 64, 0, 0, 0, 0],
            [0, 191, 255, 0, 0, 0, 0],
            [0, 0, 0, 0, 0, 0, 0],
        ]
        #expect(grid.pixels == expected.flatMap { $0 })
    }

    @Test func colorImagesAreInterleavedAndNaNIsBlack() {
        // One 1x2 RGB image: pixel 0 is pure red, pixel 1 is (NaN, -3, 0).
        let images = Tensor(shape: [1, 3, 1, 2], values: [1, .nan, -1, -3, -1, 0])
        let grid = ImageGrid.make(images: images, columns: 8, padding: 0)
        #expect((grid.width, grid.height, grid.channels) == (2, 1, 3))
        #expect(grid.pixels == [255, 0, 0, 0, 0, 128])
    }

    @Test func fewerImagesThanColumnsMakeOneShortRow() {
        let grid = ImageGrid.make(images: Tensor(zeros: [3, 1, 4, 4]), columns: 8, padding: 2)
        #expect((grid.width, grid.height) == (3 * 6 + 2, 6 + 2))
    }

    @Test func writesAGrayscalePNGAtomically() throws {
        let directory = try TemporaryDirectory()
        let images = Tensor(shape: [2, 1, 2, 2], values: [-1, -0.5, 0, 0.5, 1, 1, -1, -1])
        let path = directory.file("samples.png")
        try ImageGrid.writePNG(images: images, path: path, columns: 2, overwrite: false)
        let decoded = try PNGCodec.decode(bytes: readFileBytes(path: path, maxBytes: 1 << 20), path: path)
        #expect(decoded == ImageGrid.make(images: images, columns: 2))
        #expect(decoded.channels == 1)
        #expect(dataErrorMessage { try ImageGrid.writePNG(images: images, path: path, overwrite: false) }?
            .contains("already exists") == true)
    }
}
