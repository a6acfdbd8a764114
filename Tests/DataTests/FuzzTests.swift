import Foundation
import DCGANTensor
import Testing
@testable import DCGANData

/// Mutation fuzzing: thousands of damaged copies of a small valid file (bits flipped, bytes
/// overwritten, cut short, bytes inserted or removed), seeded so failures reproduce. Each
/// parser may succeed or throw a DataError; anything else (another error, a crash, a hang)
/// fails the suite.
@Suite struct FuzzTests {
    static let rounds = 3000

    /// One to four random mutations of `bytes`.
    static func mutate(_ bytes: [UInt8], _ rng: inout RandomGenerator) -> [UInt8] {
        var result = bytes
        for _ in 0 ..< 1 + Int(rng.next() % 4) {
            let position = result.isEmpty ? 0 : Int(rng.next() % UInt64(result.count))
            switch rng.next() % 5 {
            case 0 where !result.isEmpty: result[position] ^= UInt8(1 << (rng.next() % 8))
            case 1 where !result.isEmpty: result[position] = UInt8(truncatingIfNeeded: rng.next())
            case 2: result.removeLast(result.count - position)
            case 3: result.insert(contentsOf: (0 ..< 1 + Int(rng.next() % 8)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: position)
            default: result.removeSubrange(position ..< min(result.count, position + 1 + Int(rng.next() % 16)))
            }
        }
        return result
    }

    /// Feeds `rounds` mutations of `valid` to `parse`, recording any error that is not a DataError.
    static func fuzz(_ valid: [UInt8], seed: UInt64, _ parse: ([UInt8]) throws -> Void) {
        var rng = RandomGenerator(seed: seed)
        for round in 0..<rounds {
            do {
                try parse(mutate(valid, &rng))
            } catch is DataError {
            } catch {
                Issue.record("round \(round): \(error) is not a DataError")
            }
        }
    }

    @Test func idx() {
        let valid = idxBytes(dimensions: [3, 4, 5], values: (0..<60).map { UInt8($0) })
        Self.fuzz(valid, seed: 1) { _ = try IDXFile(parsing: $0, path: "fuzz.idx") }
    }

    @Test func png() throws {
        let valid = try PNGCodec.encode(smoothImage(width: 12, height: 10, channels: 3))
        Self.fuzz(valid, seed: 2) { _ = try PNGCodec.decode(bytes: $0, path: "fuzz.png") }
    }

    @Test func jpeg() throws {
        let valid = try jpegFile(smoothImage(width: 16, height: 12, channels: 3))
        Self.fuzz(valid, seed: 3) { _ = try JPEGCodec.decode(bytes: $0, path: "fuzz.jpg") }
    }

    @Test func webp() throws {
        let lossless = try WebPCodec.encode(smoothWebPImage(width: 12, height: 10, alpha: true))
        Self.fuzz(lossless, seed: 6) { _ = try WebPCodec.decode(bytes: $0, path: "fuzz.webp") }
        let lossy = try lossyWebP(smoothImage(width: 16, height: 12, channels: 3))
        Self.fuzz(lossy, seed: 7) { _ = try WebPCodec.decode(bytes: $0, path: "fuzz.webp") }
    }

    @Test func cifar() throws {
        let directory = try TemporaryDirectory()
        let valid = CIFARFixture.batch(file: 0, labels: [3, 9])
        Self.fuzz(valid, seed: 4) { bytes in
            try directory.write(bytes, to: "test_batch.bin")
            _ = try CIFAR10Dataset.load(root: directory.path, split: .test)
        }
    }

    @Test func packed() throws {
        let directory = try TemporaryDirectory()
        let dataset = ImageDataset(count: 2, channels: 1, height: 3, width: 3, pixels: (0..<18).map { UInt8($0) },
                                   labels: [0, 1], classNames: ["x", "y"])
        try PackedDataset.write(dataset, source: "fuzz", to: directory.file("valid.pack"), overwrite: false)
        let valid = try [UInt8](Foundation.Data(contentsOf: URL(fileURLWithPath: directory.file("valid.pack"))))
        Self.fuzz(valid, seed: 5) { bytes in
            try directory.write(bytes, to: "fuzz.pack")
            let opened = try PackedDataset.open(path: directory.file("fuzz.pack"))
            _ = opened.pixels
        }
    }
}
