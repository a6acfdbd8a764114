import Foundation

/// Reads a whole file into memory, refusing files larger than `maxBytes` plus `slack` before
/// allocating (the message names `maxBytes`, the limit the caller was given).
///
/// Plain POSIX calls rather than `FileManager`, so that a failure says why (errno) and a
/// missing file reads "not found".
func readFileBytes(path: String, maxBytes: Int, slack: Int = 0) throws -> [UInt8] {
    let (descriptor, info) = try openForReading(path: path)
    defer { close(descriptor) }
    if (info.st_mode & S_IFMT) == S_IFDIR { throw DataError(path: path, "is a directory, not a file") }
    let size = Int(info.st_size)
    guard size - slack <= maxBytes else {
        throw DataError(path: path, "file holds \(size) bytes, more than the limit of \(maxBytes)")
    }

    var bytes = [UInt8](repeating: 0, count: size)
    var filled = 0
    while filled < size {
        let got = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, size - filled) }
        if got < 0 {
            if errno == EINTR { continue }
            throw DataError(path: path, "read failed: \(DataError.systemMessage(errno))")
        }
        // The file shrank while we read it: report what we have rather than zeros.
        if got == 0 { throw DataError(path: path, "file ended after \(filled) of \(size) bytes while reading") }
        filled += got
    }
    return bytes
}

/// Opens `path` read-only and reads its status; the caller closes the descriptor.
func openForReading(path: String) throws -> (descriptor: Int32, info: stat) {
    let descriptor = open(path, O_RDONLY)
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
    return (descriptor, info)
}
