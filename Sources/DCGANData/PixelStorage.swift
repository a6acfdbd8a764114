import Foundation

/// The bytes behind an `ImageDataset`: an array on the heap, or a read-only memory map of a
/// packed file (see `PackedDataset`). Immutable, so datasets sharing it may be read from any
/// thread.
final class PixelStorage: Sendable {
    private enum Content {
        case array([UInt8])
        case mapped(MappedFile, offset: Int)
    }

    private let content: Content
    /// Number of bytes available.
    let count: Int

    init(_ bytes: [UInt8]) {
        content = .array(bytes)
        count = bytes.count
    }

    /// `count` bytes of `file` starting at `offset`; the storage keeps the mapping alive.
    init(file: MappedFile, offset: Int, count: Int) {
        precondition(offset >= 0 && count >= 0 && offset + count <= file.length, "section outside the mapped file")
        content = .mapped(file, offset: offset)
        self.count = count
    }

    /// The array itself when the bytes live in one (no copy is made).
    var array: [UInt8]? {
        if case .array(let bytes) = content { return bytes }
        return nil
    }

    /// Calls `body` with a pointer to the first byte; valid only inside `body`.
    func withBytes<R>(_ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        switch content {
        case .array(let bytes):
            // An empty array may have no buffer; hand out a valid dummy address instead.
            return try bytes.withUnsafeBufferPointer { buffer in
                try body(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!)
            }
        case .mapped(let file, let offset):
            return try withExtendedLifetime(file) { try body(file.base.assumingMemoryBound(to: UInt8.self) + offset) }
        }
    }
}

/// A whole file mapped read-only into memory, unmapped when the last owner lets go.
///
/// Pages are read from disk on first touch and shared with the page cache, so a dataset
/// larger than what the heap should hold costs no copy and starts instantly.
final class MappedFile: @unchecked Sendable {
    /// Never written through (PROT_READ), so sharing across threads is safe.
    let base: UnsafeRawPointer
    let length: Int

    /// Maps `path`; an empty file cannot be mapped and is reported as such.
    init(path: String) throws {
        let (descriptor, length) = try openForReading(path: path)
        // The mapping stays valid after the descriptor is closed.
        defer { close(descriptor) }
        guard length > 0 else { throw DataError(path: path, "is empty") }
        guard let address = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw DataError(path: path, "cannot map into memory: \(DataError.systemMessage(errno))")
        }
        base = UnsafeRawPointer(address)
        self.length = length
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), length) }

    /// The mapped bytes, for parsing; valid while `self` is alive.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: length) }
}
