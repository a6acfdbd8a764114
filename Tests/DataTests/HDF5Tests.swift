import CDCGANHDF5
import Foundation
import Testing
@testable import DCGANData

/// Serialized: the serial HDF5 library must not be entered from two threads at once.
@Suite(.serialized) struct HDF5Tests {
    /// Writes `values` as a uint8 array of `shape` named `key` into a new HDF5 file.
    func writeFile(_ path: String, key: String, shape: [Int], values: [UInt8]) {
        #expect(H5open() >= 0)
        let file = H5Fcreate(path, 2 /* H5F_ACC_TRUNC */, 0, 0)
        defer { H5Fclose(file) }
        let dimensions = shape.map { hsize_t($0) }
        let space = H5Screate_simple(Int32(shape.count), dimensions, nil)
        defer { H5Sclose(space) }
        let dataset = H5Dcreate2(file, key, chdf5_std_u8le(), space, 0, 0, 0)
        defer { H5Dclose(dataset) }
        #expect(values.withUnsafeBytes { H5Dwrite(dataset, chdf5_native_uint8(), 0, 0, 0, $0.baseAddress) } >= 0)
    }

    @Test func readsColourAndGrayArraysAsNCHW() throws {
        let directory = try TemporaryDirectory()
        // Two 2-high, 3-wide RGB images (N x H x W x C); value = index in the array.
        let values: [UInt8] = (0..<36).map { UInt8($0) }
        writeFile(directory.file("rgb.h5"), key: "images", shape: [2, 2, 3, 3], values: values)
        let rgb = try HDF5Dataset.load(path: directory.file("rgb.h5"), key: "images", imageSize: 2, channels: 3)
        #expect((rgb.count, rgb.channels, rgb.height) == (2, 3, 2))
        // The central 2x2 square starts at column (3 - 2) / 2 = 0; image 0's red plane is
        // the samples at (y * 3 + x) * 3 for x in 0...1.
        #expect(Array(rgb.pixels.prefix(4)) == [0, 3, 9, 12])
        writeFile(directory.file("gray.h5"), key: "faces", shape: [3, 2, 2], values: (0..<12).map { UInt8($0 * 20) })
        let gray = try HDF5Dataset.load(path: directory.file("gray.h5"), key: "faces", imageSize: 2, channels: 1)
        #expect(gray.pixels == (0..<12).map { UInt8($0 * 20) })
    }

    @Test func missingKeysAndOtherFilesAreOneLineErrors() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("data.h5")
        writeFile(path, key: "images", shape: [1, 2, 2], values: [1, 2, 3, 4])
        #expect(dataErrorMessage { _ = try HDF5Dataset.load(path: path, key: "celeba", imageSize: 2, channels: 1) }
            == "\(path): no dataset 'celeba' (--hdf5-key); the file holds: images")
        #expect(dataErrorMessage { _ = try HDF5Dataset.load(path: path, key: "a/b", imageSize: 2, channels: 1) }
            == "\(path): no dataset 'a/b' (--hdf5-key); the file holds: images")
        writeFile(directory.file("flat.h5"), key: "x", shape: [4, 4], values: [UInt8](repeating: 0, count: 16))
        #expect(dataErrorMessage { _ = try HDF5Dataset.load(path: directory.file("flat.h5"), key: "x", imageSize: 2, channels: 1) }
            == "\(directory.file("flat.h5")): 'x' has 2 dimensions; images are N x H x W x C or N x H x W")
        try directory.write(Array("plain text".utf8), to: "text.h5")
        #expect(dataErrorMessage { _ = try HDF5Dataset.load(path: directory.file("text.h5"), key: "images", imageSize: 2, channels: 1) }
            == "\(directory.file("text.h5")): not an HDF5 file")
        let whole = try [UInt8](Foundation.Data(contentsOf: URL(fileURLWithPath: path)))
        try directory.write(Array(whole.prefix(whole.count / 2)), to: "cut.h5")
        #expect(dataErrorMessage { _ = try HDF5Dataset.load(path: directory.file("cut.h5"), key: "images", imageSize: 2, channels: 1) } != nil)
    }
}
