import DCGANData
import Foundation

/// An exclusive lock on a run folder, so that two processes never train into the same
/// folder: `flock(2)` on the file `.lock` inside it. The kernel releases the lock when the
/// process ends, however it ends, so a killed run never leaves a stale lock behind; the
/// file itself stays (it holds the last holder's process id, for the refusal message).
public final class RunLock {
    /// The locked folder.
    public let folder: String
    private var descriptor: Int32

    private init(folder: String, descriptor: Int32) {
        self.folder = folder
        self.descriptor = descriptor
    }

    deinit { release() }

    /// The lock file of `folder`.
    public static func path(in folder: String) -> String { folder + "/.lock" }

    /// Takes the lock of `folder` (which must exist) without waiting: a folder another
    /// process holds is refused with a one-line error naming it.
    public static func acquire(_ folder: String) throws -> RunLock {
        let path = path(in: folder)
        // A replacing run (`--overwrite`) may move the folder aside between our open and our
        // flock; the lock then belongs to the moved file, so try again on the one the path names now.
        for _ in 0..<3 {
            let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw DataError(path: folder, "cannot open the run folder's lock file: \(DataError.systemMessage(errno))")
            }
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
                let code = errno
                let holder = holderDescription(descriptor)
                close(descriptor)
                if code == EWOULDBLOCK {
                    throw DataError(path: folder, "is in use by another dcgan process\(holder); wait for it to end or choose another folder")
                }
                throw DataError(path: folder, "cannot lock the run folder: \(DataError.systemMessage(code))")
            }
            if namesSameFile(descriptor, path) {
                let pid = Array("\(getpid())\n".utf8)
                // The process id only improves the refusal message; failing to record it is harmless.
                if ftruncate(descriptor, 0) == 0 { _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) } }
                return RunLock(folder: folder, descriptor: descriptor)
            }
            close(descriptor)
        }
        throw DataError(path: folder, "is being replaced by another dcgan process")
    }

    /// Gives the lock up (also done when the lock is deallocated or the process ends).
    public func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    private static func namesSameFile(_ descriptor: Int32, _ path: String) -> Bool {
        var held = stat(), named = stat()
        return fstat(descriptor, &held) == 0 && stat(path, &named) == 0 && held.st_dev == named.st_dev && held.st_ino == named.st_ino
    }

    /// " (process 1234)" from the lock file's content, or "" when it holds no process id.
    private static func holderDescription(_ descriptor: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0, let pid = Int32(String(decoding: buffer.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else { return "" }
        return " (process \(pid))"
    }
}
