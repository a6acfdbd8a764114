import Foundation

/// Reads a whole file into memory, refusing files larger than `maxBytes` plus `slack` before
/// allocating (the message names `maxBytes`, the limit the caller was given).
func readFileBytes(path: String, maxBytes: Int, slack: Int = 0) throws -> [UInt8] {
    let file = try ReadOnlyFile(path: path)
    guard file.size - slack <= maxBytes else {
        throw DataError(path: path, "file holds \(file.size) bytes, more than the limit of \(maxBytes)")
    }
    return try file.bytes(at: 0, count: file.size)
}

/// A regular file opened for reading in pieces, so that a format can check a header against
/// the file's size before it allocates anything, and read a large payload straight into its
/// final buffer.
///
/// Plain POSIX calls rather than `FileManager`, so that a failure says why (errno) and a
/// missing file reads "not found". Anything but a regular file (a FIFO, a device, a folder) is
/// refused without blocking: opening a FIFO for reading would otherwise wait for a writer forever.
public final class ReadOnlyFile {
    /// The file, as given.
    public let path: String
    /// The file's length in bytes when it was opened.
    public let size: Int
    let descriptor: Int32

    /// Opens the regular file at `path`; anything else (missing, a FIFO, a folder) is a one-line `DataError`.
    public init(path: String) throws {
        (descriptor, size) = try openForReading(path: path)
        self.path = path
    }

    deinit { close(descriptor) }

    /// Fills `buffer` with the bytes at `offset`; a file that ends first is an error.
    public func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws {
        var filled = 0
        while filled < buffer.count {
            let got = pread(descriptor, buffer.baseAddress! + filled, buffer.count - filled, off_t(offset + filled))
            if got < 0 {
                if errno == EINTR { continue }
                throw DataError(path: path, "read failed: \(DataError.systemMessage(errno))")
            }
            // The file shrank while we read it: report what we have rather than zeros.
            if got == 0 { throw DataError(path: path, "file ended after \(offset + filled) of \(size) bytes while reading") }
            filled += got
        }
    }

    /// `count` bytes from `offset`.
    public func bytes(at offset: Int, count: Int) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            try read(at: offset, into: UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }
}

/// Opens the regular file `path` read-only and returns its descriptor (the caller closes it)
/// and its length. Opened non-blocking, so that a FIFO is refused instead of waited on.
func openForReading(path: String) throws -> (descriptor: Int32, size: Int) {
    let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else {
        let code = errno
        throw DataError(path: path, code == ENOENT ? "not found" : "cannot open: \(DataError.systemMessage(code))")
    }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else {
        let code = errno
        close(descriptor)
        throw DataError(path: path, "cannot stat: \(DataError.systemMessage(code))")
    }
    let kind = info.st_mode & S_IFMT
    guard kind == S_IFREG else {
        close(descriptor)
        throw DataError(path: path, kind == S_IFDIR ? "is a directory, not a file" : "is not a regular file")
    }
    return (descriptor, Int(info.st_size))
}
