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
        if !overwrite && FileManager.default.fileExists(atPath: path) {
            throw DataError(path: path, "already exists (pass the overwrite option to replace it)")
        }
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        // Same directory: rename(2) is only atomic within one file system.
        let temporary = (directory.isEmpty ? "." : directory) + "/.\(name).partial-\(getpid())-\(UInt32.random(in: 0 ... .max))"

        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else {
            let shown = directory.isEmpty ? "the current directory" : directory
            throw DataError(path: path, "cannot create a file in \(shown): \(DataError.systemMessage(errno))")
        }
        var isOpen = true
        do {
            try writeAll(bytes, to: descriptor, path: path)
            // Flush before the rename so a crash cannot leave the new name holding an empty file.
            guard fsync(descriptor) == 0 else { throw DataError(path: path, "fsync failed: \(DataError.systemMessage(errno))") }
            isOpen = false
            guard close(descriptor) == 0 else { throw DataError(path: path, "close failed: \(DataError.systemMessage(errno))") }
            guard rename(temporary, path) == 0 else {
                throw DataError(path: path, "cannot rename the finished file into place: \(DataError.systemMessage(errno))")
            }
        } catch {
            // Never close twice: another thread may already have been given the same number.
            if isOpen { close(descriptor) }
            unlink(temporary)
            throw error
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws {
        var written = 0
        try bytes.withUnsafeBytes { buffer in
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
}
