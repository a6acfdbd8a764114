import Foundation
import Testing
@testable import DCGANData

@Suite struct NPYIntegerTests {
    static func file(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "npy-\(UUID().uuidString).npy"
        try AtomicFile.write(bytes, to: path, overwrite: false)
        return path
    }

    @Test func int64LabelsRoundTrip() throws {
        let labels: [Int64] = [3, 0, 9, -2, 1 << 40]
        let bytes = NPYWriter.encode(int64: labels, shape: [5])
        #expect(String(decoding: bytes[10..<70], as: UTF8.self).hasPrefix("{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }"))
        #expect(try NPYReader.readIntegers(path: Self.file(bytes)) == labels.map(Int.init))
    }

    /// int32 (what NumPy makes on some platforms) and uint8 labels read too, sign included.
    @Test func narrowerIntegerTypesRead() throws {
        let int32Payload: [Int32] = [7, -1, 2]
        var bytes = NPYWriter.encode(int64: [0, 0], shape: [2])  // a header to patch: same length
        let header = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }"
        let padded = header + String(repeating: " ", count: 118 - header.count - 1) + "\n"
        bytes = Array(bytes[0..<10]) + Array(padded.utf8) + int32Payload.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        #expect(try NPYReader.readIntegers(path: Self.file(bytes)) == [7, -1, 2])
        #expect(try NPYReader.readIntegers(path: Self.file(NPYWriter.encode([4, 200], shape: [2]))) == [4, 200])
    }

    @Test func otherTypesAndShortFilesAreRefused() throws {
        let labels = NPYWriter.encode(int64: [1, 2, 3], shape: [3])
        let floats = Array(labels[0..<10]) + Array(String(decoding: labels[10..<128], as: UTF8.self).replacingOccurrences(of: "<i8", with: "<f8").utf8)
            + Array(labels[128...])
        let cases: [([UInt8], String)] = [(floats, "holds <f8, not integers"), (Array(labels.dropLast(3)), "needs 24 bytes"), ([1, 2, 3], "not a .npy file")]
        for (bytes, message) in cases {
            let path = try Self.file(bytes)
            #expect { try NPYReader.readIntegers(path: path) } throws: { error in
                "\(error)".contains(message) && "\(error)".hasPrefix(path)
            }
        }
        // Labels are not images: readUInt8 says what it found.
        let path = try Self.file(labels)
        #expect { try NPYReader.readUInt8(path: path) } throws: { "\($0)".contains("holds <i8, not uint8") }
    }
}
