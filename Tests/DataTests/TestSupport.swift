import CDCGANZlib
import Foundation
import Testing
@testable import DCGANData

/// A fresh empty directory for one test, removed when the value is released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("data-tests-" + UUID().uuidString)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Names of the entries in the directory (including hidden ones).
    func listing() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    func write(_ bytes: [UInt8], to name: String) throws {
        try Foundation.Data(bytes).write(to: URL(fileURLWithPath: file(name)))
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The bytes of a uint8 IDX file: magic 00 00 08 rank, big-endian dimensions, values.
func idxBytes(dimensions: [Int], values: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
    for size in dimensions {
        bytes += [UInt8(size >> 24 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)]
    }
    return bytes + values
}

/// gzip-compresses `bytes` with zlib's own gzip writer, as the gzip tool would.
func gzipFile(_ bytes: [UInt8], at path: String) throws {
    guard let file = gzopen(path, "wb") else { throw DataError(path: path, "gzopen failed") }
    let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
    let closed = gzclose(file)
    guard written == Int32(bytes.count), closed == Z_OK else { throw DataError(path: path, "gzwrite failed") }
}

/// Runs `body`, expecting a DataError, and returns its one-line message.
func dataErrorMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        Issue.record("expected a DataError, got success")
    } catch let error as DataError {
        #expect(!error.description.contains("\n"), "message must be one line: \(error)")
        return error.description
    } catch {
        Issue.record("expected a DataError, got \(error)")
    }
    return nil
}
