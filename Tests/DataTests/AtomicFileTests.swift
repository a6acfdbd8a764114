import Foundation
import Testing
@testable import DCGANData

@Suite struct AtomicFileTests {
    @Test func writesANewFileAndLeavesNoTemporaryBehind() throws {
        let directory = try TemporaryDirectory()
        try AtomicFile.write([1, 2, 3], to: directory.file("out.bin"), overwrite: false)
        #expect(try readFileBytes(path: directory.file("out.bin"), maxBytes: 100) == [1, 2, 3])
        #expect(try directory.listing() == ["out.bin"])
    }

    @Test func refusesToOverwriteWithoutTheFlag() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("keep.bin")
        try AtomicFile.write([1], to: path, overwrite: false)
        let message = dataErrorMessage { try AtomicFile.write([2], to: path, overwrite: false) }
        #expect(message == "\(path): already exists (pass the overwrite option to replace it)")
        #expect(try readFileBytes(path: path, maxBytes: 100) == [1])
        #expect(try directory.listing() == ["keep.bin"])
    }

    @Test func overwritesWithTheFlag() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("replace.bin")
        try AtomicFile.write([1, 1, 1, 1], to: path, overwrite: false)
        try AtomicFile.write([9], to: path, overwrite: true)
        #expect(try readFileBytes(path: path, maxBytes: 100) == [9])
        #expect(try directory.listing() == ["replace.bin"])
    }

    @Test func unwritableDirectoryIsAClearError() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.file("no/such/dir/out.png")
        #expect(dataErrorMessage { try AtomicFile.write([1], to: missing, overwrite: true) } ==
            "\(missing): cannot create a file in \(directory.file("no/such/dir")): No such file or directory")
        // A directory without write permission; root ignores permissions, so only check otherwise.
        if geteuid() != 0 {
            try FileManager.default.createDirectory(atPath: directory.file("locked"), withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o555])
            let message = dataErrorMessage { try AtomicFile.write([1], to: directory.file("locked/x"), overwrite: true) }
            #expect(message?.hasSuffix("Permission denied") == true)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("locked")).isEmpty)
        }
    }

    @Test func failedRenameRemovesTheTemporaryFile() throws {
        let directory = try TemporaryDirectory()
        // rename(2) cannot replace a non-empty directory with a file.
        try FileManager.default.createDirectory(atPath: directory.file("taken/inner"), withIntermediateDirectories: true)
        let message = dataErrorMessage { try AtomicFile.write([5, 5], to: directory.file("taken"), overwrite: true) }
        #expect(message?.contains("cannot rename the finished file into place") == true)
        #expect(try directory.listing() == ["taken"])
    }

    @Test(arguments: [("R", ".", "R"), ("a/b", "a", "b"), ("/x", "/", "x"), ("runs/one/", "runs", "one"), ("/", "/", "")])
    func pathPartsSplitLikeAShell(path: String, folder: String, name: String) {
        // Foundation's deletingLastPathComponent traps on "R"; AtomicFile and RunFolder split with this.
        let parts = PathParts(path)
        #expect(parts.folder == folder && parts.name == name)
    }
}
