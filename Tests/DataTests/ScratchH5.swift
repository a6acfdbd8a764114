import CDCGANHDF5
import Foundation
import Testing
@testable import DCGANData

@Suite(.serialized) struct ScratchH5 {
    func base() throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory()
        let path = directory.file("data.h5")
        let w = HDF5Writer(path); w.array("images", shape: [1, 2, 2], values: [1, 2, 3, 4]); w.close()
        return (directory, path)
    }
    @Test func s1missing() throws { let (_, path) = try base(); _ = dataErrorMessage { _ = try HDF5Dataset.load(path: path, key: "celeba", imageSize: 2, channels: 1) } }
    @Test func s2nested() throws { let (_, path) = try base(); _ = dataErrorMessage { _ = try HDF5Dataset.load(path: path, key: "a/b", imageSize: 2, channels: 1) } }
    @Test func s3flat() throws { let (d, _) = try base(); let w = HDF5Writer(d.file("flat.h5")); w.array("x", shape: [4, 4], values: [UInt8](repeating: 0, count: 16)); w.close()
        _ = dataErrorMessage { _ = try HDF5Dataset.load(path: d.file("flat.h5"), key: "x", imageSize: 2, channels: 1) } }
    @Test func s4wide() throws { let (d, _) = try base(); let w = HDF5Writer(d.file("wide.h5")); w.array("x", shape: [2, 2, 2], values: [UInt8](repeating: 0, count: 16), elementBytes: 2); w.close()
        _ = dataErrorMessage { _ = try HDF5Dataset.load(path: d.file("wide.h5"), key: "x", imageSize: 2, channels: 1) } }
    @Test func s5text() throws { let (d, _) = try base(); try d.write(Array("plain text".utf8), to: "text.h5")
        _ = dataErrorMessage { _ = try HDF5Dataset.load(path: d.file("text.h5"), key: "images", imageSize: 2, channels: 1) } }
    @Test func s6cut() throws { let (d, path) = try base(); let whole = try [UInt8](Foundation.Data(contentsOf: URL(fileURLWithPath: path)))
        try d.write(Array(whole.prefix(whole.count / 2)), to: "cut.h5")
        _ = dataErrorMessage { _ = try HDF5Dataset.load(path: d.file("cut.h5"), key: "images", imageSize: 2, channels: 1) } }
    @Test func s0base() throws { _ = try base() }
}
