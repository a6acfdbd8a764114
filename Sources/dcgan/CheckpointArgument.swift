import DCGANData
import DCGANKit
import Foundation

/// A `--checkpoint` argument: a checkpoint file, or a run folder, which stands for its latest checkpoint.
enum CheckpointArgument {
    static func resolve(_ path: String) throws -> String {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else { return path }
        guard let latest = RunFolder(path).latestCheckpoint() else { throw DataError(path: path, "holds no checkpoint (checkpoints/step-N.dcgan)") }
        return latest
    }
}
