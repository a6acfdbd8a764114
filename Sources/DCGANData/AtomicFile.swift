import Foundation

/// Writes files so that readers see either the old file or the complete new one, never a
/// half-written one, and so that an interrupted run leaves no partial file behind.
public enum AtomicFile {
    /// Writes `bytes` to `path` through a temporary file in the same directory and rename(2).
    ///
    /// Refuses to replace an existing file unless `overwrite` is true: samples and
    /// checkpoints are results a user may want to keep. The check happens before writing,
    /// so it guards against mistakes rather than against another process racing for the name.
    public static func write(_ bytes: [UInt8], to path: String, overwrite: Bool) throws {
        try write(to: path, overwrite: overwrite) { sink in try bytes.withUnsafeBytes { try sink($0) } }
    }

    /// Writes a file too large to assemble in memory: `produce` is called once with a sink
    /// that appends bytes to the temporary file; the file gets its name when `produce`
    /// returns, and is removed if it throws. Same guarantees as `write(_:to:overwrite:)`.
    public static func write(to path: String, overwrite: Bool,
                             _ produce: (_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        if !overwrite && FileManager.default.fileExists(atPath: path) {
            throw DataError(path: path, "already exists (pass the overwrite option to replace it)")
        }
        let parts = PathParts(path)
        // Same directory: rename(2) is only atomic within one file system.
        let temporary = parts.folder + "/.\(parts.name).partial-\(getpid())-\(UInt32.random(in: 0 ... .max))"

        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else {
            let shown = parts.folder == "." && !path.hasPrefix("./") ? "the current directory" : parts.folder
            throw DataError(path: path, "cannot create a file in \(shown): \(DataError.systemMessage(errno))")
        }
        var isOpen = true
        do {
            try produce { try writeAll($0, to: descriptor, path: path) }
            // Flush before the rename so a crash cannot leave the new name holding an empty file.
            guard fsync(descriptor) == 0 else { throw DataError(path: path, "fsync failed: \(DataError.systemMessage(errno))") }
            isOpen = false
            guard close(descriptor) == 0 else { throw DataError(path: path, "close failed: \(DataError.systemMessage(errno))") }
            guard rename(temporary, path) == 0 else {
                throw DataError(path: path, "cannot rename the finished file into place: \(DataError.systemMessage(errno))")
            }
            syncDirectory(parts.folder)
        } catch {
            // Never close twice: another thread may already have been given the same number.
            if isOpen { close(descriptor) }
            unlink(temporary)
            throw error
        }
    }

    /// Makes a rename in `directory` durable (a crash could otherwise bring back the old name).
    /// Best effort: the file is in place whatever this returns, and some file systems cannot
    /// sync a directory.
    private static func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    /// Writes all of `buffer` to the open file `descriptor` (retrying short writes and
    /// interruptions); a failure is a `DataError` naming `path`.
    public static func writeAll(_ buffer: UnsafeRawBufferPointer, to descriptor: Int32, path: String) throws {
        var written = 0
        while written < buffer.count {
            let result = Foundation.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                throw DataError(path: path, "write failed: \(DataError.systemMessage(errno))")
            }
            written += result
        }
    }
}
