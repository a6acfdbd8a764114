import CDCGANLMDB
import Foundation
import Testing
@testable import DCGANData

@Suite struct LMDBTests {
    /// Writes `records` (key, value) into a single-file LMDB environment at `path`.
    func writeDatabase(_ records: [(String, [UInt8])], at path: String) throws {
        var environment: OpaquePointer?
        #expect(mdb_env_create(&environment) == 0)
        defer { mdb_env_close(environment) }
        #expect(mdb_env_set_mapsize(environment, 1 << 22) == 0)
        #expect(mdb_env_open(environment, path, UInt32(MDB_NOSUBDIR), 0o644) == 0)
        var transaction: OpaquePointer?
        #expect(mdb_txn_begin(environment, nil, 0, &transaction) == 0)
        var database: MDB_dbi = 0
        #expect(mdb_dbi_open(transaction, nil, 0, &database) == 0)
        for (key, value) in records {
            var keyBytes = Array(key.utf8), valueBytes = value
            try keyBytes.withUnsafeMutableBytes { k in
                try valueBytes.withUnsafeMutableBytes { v in
                    var keyValue = MDB_val(mv_size: k.count, mv_data: k.baseAddress)
                    var dataValue = MDB_val(mv_size: v.count, mv_data: v.baseAddress)
                    guard mdb_put(transaction, database, &keyValue, &dataValue, 0) == 0 else { throw DataError(path: path, "mdb_put failed") }
                }
            }
        }
        #expect(mdb_txn_commit(transaction) == 0)
    }

    @Test func decodesJPEGAndPNGValuesInKeyOrderAndSkipsTheRest() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("scenes.mdb")
        let jpeg = try jpegFile(RasterImage(width: 8, height: 8, channels: 3, pixels: (0..<64).flatMap { _ in [UInt8](arrayLiteral: 200, 120, 40) }))
        let png = try PNGCodec.encode(pixels: [UInt8](repeating: 33, count: 12 * 8), width: 12, height: 8, channels: 1)
        try writeDatabase([("b-png", png), ("a-jpeg", jpeg), ("c-text", Array("no image".utf8))], at: path)

        let (dataset, skipped) = try LMDBDataset.load(root: path, imageSize: 4, channels: 3)
        #expect((dataset.count, dataset.channels, dataset.height) == (2, 3, 4))
        let pixels = dataset.pixels
        for (c, value) in [200, 120, 40].enumerated() {
            #expect(maxDifference(Array(pixels[(c * 16) ..< (c * 16 + 16)]), [UInt8](repeating: UInt8(value), count: 16)) <= 3)
        }
        #expect(Array(pixels[48...]) == [UInt8](repeating: 33, count: 48))
        #expect(skipped?.description == "skipped 1 unreadable record, e.g. \(path)[c-text]: not a JPEG, PNG or WebP image")
        #expect(dataset.labels == nil && dataset.classNames == nil)
    }

    /// The official LSUN export stores each scene as WebP bytes.
    @Test func decodesWebPValuesAsTheLSUNExportStoresThem() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("bedroom.mdb")
        let colour = RasterImage(width: 10, height: 6, channels: 3, pixels: (0..<60).flatMap { _ in [UInt8](arrayLiteral: 12, 150, 240) })
        let lossless = try WebPCodec.encode(colour)
        let lossy = try lossyWebP(RasterImage(width: 16, height: 16, channels: 3, pixels: [UInt8](repeating: 90, count: 768)))
        try writeDatabase([("0001", lossless), ("0002", lossy), ("0003", Array(lossy.prefix(lossy.count - 9)))], at: path)

        let (dataset, skipped) = try LMDBDataset.load(root: path, imageSize: 4, channels: 3)
        #expect((dataset.count, dataset.channels, dataset.height) == (2, 3, 4))
        #expect(Array(dataset.pixels[..<48]) == [12, 150, 240].flatMap { [UInt8](repeating: $0, count: 16) })
        #expect(maxDifference(Array(dataset.pixels[48...]), [UInt8](repeating: 90, count: 48)) <= 3)
        #expect(skipped?.description == "skipped 1 unreadable record, e.g. \(path)[0003]: truncated WebP: its RIFF header declares \(lossy.count) bytes, the data holds \(lossy.count - 9)")
        #expect(dataset.labels == nil)
    }

    @Test func damagedAndEmptyDatabasesAreErrors() throws {
        let directory = try TemporaryDirectory()
        let garbage = directory.file("garbage.mdb")
        try directory.write([UInt8](repeating: 0x5A, count: 16384), to: "garbage.mdb")
        #expect(dataErrorMessage { _ = try LMDBDataset.load(root: garbage, imageSize: 4, channels: 3) }?
            .hasPrefix("\(garbage): cannot open as an LMDB database: ") == true)

        let path = directory.file("cut.mdb")
        let png = try PNGCodec.encode(pixels: [UInt8](repeating: 1, count: 64 * 64), width: 64, height: 64, channels: 1)
        try writeDatabase((0..<20).map { ("k\($0)", png) }, at: path)
        let whole = try [UInt8](Foundation.Data(contentsOf: URL(fileURLWithPath: path)))
        try directory.write(Array(whole.prefix(whole.count - 4096)), to: "cut.mdb")
        #expect(dataErrorMessage { _ = try LMDBDataset.load(root: path, imageSize: 4, channels: 3) }?
            .hasPrefix("\(path): truncated LMDB file: its meta page needs ") == true)

        let empty = directory.file("empty.mdb")
        try writeDatabase([], at: empty)
        #expect(dataErrorMessage { _ = try LMDBDataset.load(root: empty, imageSize: 4, channels: 3) } == "\(empty): holds no records")
        #expect(dataErrorMessage { _ = try LMDBDataset.load(root: directory.file("none"), imageSize: 4, channels: 3) } == "\(directory.file("none")): not found")
    }
}
