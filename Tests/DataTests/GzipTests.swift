import Foundation
import Testing
@testable import DCGANData

@Suite struct GzipTests {
    let payload: [UInt8] = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7 ^ $0 >> 5) }

    @Test func readsGzipAndPlainFilesAlike() throws {
        let directory = try TemporaryDirectory()
        try gzipFile(payload, at: directory.file("a.gz"))
        try directory.write(payload, to: "a")
        #expect(try readMaybeGzip(path: directory.file("a.gz")) == payload)
        #expect(try readMaybeGzip(path: directory.file("a")) == payload)
    }

    @Test func readsConcatenatedGzipMembers() throws {
        let directory = try TemporaryDirectory()
        try gzipFile(Array(payload.prefix(300)), at: directory.file("1.gz"))
        try gzipFile(Array(payload.suffix(200)), at: directory.file("2.gz"))
        let joined = try readFileBytes(path: directory.file("1.gz"), maxBytes: 1 << 20)
            + readFileBytes(path: directory.file("2.gz"), maxBytes: 1 << 20)
        try directory.write(joined, to: "joined.gz")
        #expect(try readMaybeGzip(path: directory.file("joined.gz")) == Array(payload.prefix(300) + payload.suffix(200)))
    }

    @Test func truncatedStreamIsAnError() throws {
        let directory = try TemporaryDirectory()
        try gzipFile(payload, at: directory.file("full.gz"))
        let full = try readFileBytes(path: directory.file("full.gz"), maxBytes: 1 << 20)
        // Cut in the middle of the deflate data, and also just before the 8-byte trailer.
        for length in [full.count / 2, full.count - 8, full.count - 1] {
            try directory.write(Array(full.prefix(length)), to: "cut.gz")
            let message = dataErrorMessage { _ = try readMaybeGzip(path: directory.file("cut.gz")) }
            #expect(message == "\(directory.file("cut.gz")): truncated gzip stream")
        }
    }

    @Test func corruptStreamIsAnError() throws {
        let directory = try TemporaryDirectory()
        try gzipFile(payload, at: directory.file("good.gz"))
        var bytes = try readFileBytes(path: directory.file("good.gz"), maxBytes: 1 << 20)
        for offset in [bytes.count / 3, bytes.count / 3 + 1, bytes.count / 3 + 2] { bytes[offset] ^= 0xFF }
        try directory.write(bytes, to: "bad.gz")
        let message = dataErrorMessage { _ = try readMaybeGzip(path: directory.file("bad.gz")) }
        #expect(message?.hasPrefix("\(directory.file("bad.gz")): corrupt gzip stream") == true)
    }

    @Test func wrongChecksumIsAnError() throws {
        let directory = try TemporaryDirectory()
        try gzipFile(payload, at: directory.file("good.gz"))
        var bytes = try readFileBytes(path: directory.file("good.gz"), maxBytes: 1 << 20)
        bytes[bytes.count - 6] ^= 0x01  // inside the CRC-32 of the trailer
        try directory.write(bytes, to: "crc.gz")
        let message = dataErrorMessage { _ = try readMaybeGzip(path: directory.file("crc.gz")) }
        #expect(message?.contains("corrupt gzip stream (incorrect data check)") == true)
    }

    @Test func refusesToInflateBeyondTheBound() throws {
        let directory = try TemporaryDirectory()
        try gzipFile([UInt8](repeating: 0, count: 5_000_000), at: directory.file("bomb.gz"))
        let message = dataErrorMessage { _ = try readMaybeGzip(path: directory.file("bomb.gz"), maxBytes: 1_000_000) }
        #expect(message?.contains("inflates to more than the limit of 1000000 bytes") == true)
        #expect(try readMaybeGzip(path: directory.file("bomb.gz"), maxBytes: 5_000_000).count == 5_000_000)
    }

    @Test func plainFileLargerThanTheBoundIsRefused() throws {
        let directory = try TemporaryDirectory()
        try directory.write(payload, to: "big")
        let message = dataErrorMessage { _ = try readMaybeGzip(path: directory.file("big"), maxBytes: 1000) }
        #expect(message?.contains("more than the limit of 1000") == true)
    }

    @Test func missingFileSaysNotFound() throws {
        let directory = try TemporaryDirectory()
        let message = dataErrorMessage { _ = try readMaybeGzip(path: directory.file("nothing.gz")) }
        #expect(message == "\(directory.file("nothing.gz")): not found")
    }
}
