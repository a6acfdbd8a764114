import CDCGANZlib
import DCGANData
import DCGANKit
import DCGANTensor
import Foundation
import Testing

/// Checkpoints are untrusted input: a header rewritten by an adversary, with its checksum made
/// valid again, must give a one-line error, never a crash or a huge allocation.
@Suite struct CheckpointFuzzTests {
    /// A small valid checkpoint's bytes.
    static let valid: [UInt8] = {
        let trainer = try! GANTrainer(model: Tiny.model, training: Tiny.training())
        return try! Checkpoint.encode(trainer, model: Tiny.model, training: Tiny.training(), step: 0, batchesConsumed: 0)
    }()

    /// The JSON header and the payload of `bytes`.
    static func split(_ bytes: [UInt8]) -> (header: [String: Any], payload: ArraySlice<UInt8>) {
        let length = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
        let header = try! JSONSerialization.jsonObject(with: Data(bytes[16..<(16 + length)])) as! [String: Any]
        return (header, bytes[(16 + length)..<(bytes.count - 4)])
    }

    /// A file with `header` (its length field as given, or the JSON's length) and `payload`, and a correct CRC.
    static func assemble(_ header: [String: Any], _ payload: ArraySlice<UInt8>, lengthField: UInt32? = nil) -> [UInt8] {
        let json = Array(try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        let word = { (value: UInt32) in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        var bytes = Array(valid[0..<12]) + word(lengthField ?? UInt32(json.count)) + json + payload
        let crc = bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
        bytes += word(crc)
        return bytes
    }

    /// Loads `bytes` and expects a one-line DataError naming the file; returns its text.
    @discardableResult
    static func expectRefused(_ bytes: [UInt8], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        let path = Tiny.folder("fuzz") + "/c.dcgan"
        try! AtomicFile.write(bytes, to: path, overwrite: true)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        return expectRefused(path: path, what, sourceLocation: sourceLocation)
    }

    /// Loads the file at `path` and expects a one-line DataError naming it; returns its text.
    static func expectRefused(path: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        do {
            _ = try Checkpoint.load(path: path)
            Issue.record("loaded a forged checkpoint: \(what)", sourceLocation: sourceLocation)
            return nil
        } catch let error as DataError {
            #expect(error.description.hasPrefix(path) && !error.description.contains("\n"), "\(what): \(error)", sourceLocation: sourceLocation)
            return error.description
        } catch {
            Issue.record("\(what): not a DataError: \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss * 1024
    }

    /// Values that break sizes: zero, negative, beyond any bound, and those that overflow products.
    static let hostile: [Int] = [0, -1, -(1 << 62), 1 << 62, 1 << 31, 1 << 28, 4_611_686_018_427_387_904, Int.max, 100_001, 8192]

    @Test func hostileModelAndTrainingSizesAreRefused() {
        let (header, payload) = Self.split(Self.valid)
        let before = Self.peakResidentBytes()
        for section in ["model", "training"] {
            let keys = ((header["metadata"] as! [String: Any])[section] as! [String: Any]).filter { $0.value is Int }.keys.sorted()
            #expect(keys.count >= 5)
            for key in keys {
                for value in Self.hostile {
                    var mutated = header, metadata = header["metadata"] as! [String: Any], part = metadata[section] as! [String: Any]
                    part[key] = value
                    metadata[section] = part
                    mutated["metadata"] = metadata
                    // Some values are valid for some keys (8192 iterations); those must load.
                    let path = Tiny.folder("fuzz") + "/c.dcgan"
                    try! AtomicFile.write(Self.assemble(mutated, payload), to: path, overwrite: true)
                    do { _ = try Checkpoint.load(path: path) } catch let error as DataError {
                        #expect(error.description.hasPrefix(path) && !error.description.contains("\n"), "\(section).\(key) = \(value): \(error)")
                    } catch {
                        Issue.record("\(section).\(key) = \(value): \(error)")
                    }
                }
            }
        }
        // nz = ngf = 2^62 was a SIGSEGV; now a message.
        var mutated = header, metadata = header["metadata"] as! [String: Any], model = metadata["model"] as! [String: Any]
        (model["nz"], model["ngf"]) = (1 << 62, 1 << 62)
        metadata["model"] = model
        mutated["metadata"] = metadata
        #expect(Self.expectRefused(Self.assemble(mutated, payload), "nz = ngf = 2^62")?.contains("nz must be at most 100000") == true)
        #expect(Self.peakResidentBytes() - before < 256 << 20, "forged sizes made the process grow")
    }

    @Test func forgedTensorListsAreRefused() {
        let (header, payload) = Self.split(Self.valid)
        let tensors = header["tensors"] as! [[String: Any]]
        let shapes: [[Int]] = [[1 << 62], [-1], [1 << 28, 1 << 28], [Int.max, 2], Array(repeating: 2, count: 40), [], [0],
                               [(tensors[0]["shape"] as! [Int]).reduce(1, *)]]
        var cases: [(String, [[String: Any]])] = shapes.map { shape in
            var list = tensors
            list[0]["shape"] = shape
            return ("first shape \(shape.prefix(4))", list)
        }
        cases.append(("one tensor fewer", Array(tensors.dropLast())))
        cases.append(("a tensor twice", [tensors[0]] + tensors.dropLast()))
        cases.append(("renamed", [["name": "G.99.weight", "shape": tensors[0]["shape"]!]] + tensors.dropFirst()))
        cases.append(("empty list", []))
        for (what, list) in cases {
            var mutated = header
            mutated["tensors"] = list
            Self.expectRefused(Self.assemble(mutated, payload), what)
        }
        // The header length field pointing past the file, and at nothing.
        for length: UInt32 in [0xFFFF_FFFF, 0x7FFF_FFFF, 0, 3] {
            Self.expectRefused(Self.assemble(header, payload, lengthField: length), "header length \(length)")
        }
    }

    @Test func randomMutationsOfTheHeaderNeverCrash() {
        let (header, payload) = Self.split(Self.valid)
        var rng = RandomGenerator(seed: 11)
        let before = Self.peakResidentBytes()
        for round in 0..<150 {
            var mutated = header, metadata = header["metadata"] as! [String: Any]
            var model = metadata["model"] as! [String: Any], training = metadata["training"] as! [String: Any]
            var tensors = header["tensors"] as! [[String: Any]]
            let pick = { (count: Int) in Int(rng.next() % UInt64(count)) }
            let value = Self.hostile[pick(Self.hostile.count)]
            switch round % 4 {
            case 0: model[["nz", "ngf", "ndf", "imageSize", "channels", "classes", "hidden"][pick(7)]] = value
            case 1: training[["batchSize", "iterations", "discriminatorSteps", "sampleEvery"][pick(4)]] = value
            case 2:
                let index = pick(tensors.count)
                var shape = tensors[index]["shape"] as! [Int]
                if shape.isEmpty { shape = [value] } else { shape[pick(shape.count)] = value }
                tensors[index]["shape"] = shape
            default:
                metadata[["step", "batchesConsumed"][pick(2)]] = value
                model["imageSize"] = [28, 32, 4096, 1 << 40][pick(4)]
            }
            metadata["model"] = model
            metadata["training"] = training
            mutated["metadata"] = metadata
            mutated["tensors"] = tensors
            let path = Tiny.folder("fuzz") + "/c.dcgan"
            try! AtomicFile.write(Self.assemble(mutated, payload), to: path, overwrite: true)
            do { _ = try Checkpoint.load(path: path) } catch let error as DataError {
                #expect(!error.description.contains("\n"))
            } catch {
                Issue.record("round \(round): \(error)")
            }
            try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
        }
        #expect(Self.peakResidentBytes() - before < 256 << 20, "forged sizes made the process grow")
    }

    /// A 2 GiB file (sparse, so it costs no disk) is checked a megabyte at a time, not read whole.
    @Test func aLargeFileIsNotReadIntoMemory() throws {
        let folder = Tiny.folder("large"), path = folder + "/big.dcgan"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try AtomicFile.write(Array(Self.valid.prefix(16)), to: path, overwrite: false)
        #expect(truncate(path, 2 << 30) == 0)
        let before = Self.peakResidentBytes()
        #expect(Self.expectRefused(path: path, "2 GiB of zeros")?.contains("checksum mismatch") == true)
        // The peak is the whole test process's, other suites running beside this one included:
        // the bound sits well below the 2 GiB that reading the file whole would add.
        #expect(Self.peakResidentBytes() - before < 1 << 30, "the file was read into memory")
    }

    @Test func nonFiniteWeightsAreRefused() {
        let (header, payload) = Self.split(Self.valid)
        for bits: UInt32 in [0x7FC0_0000, 0x7F80_0000, 0xFF80_0000] {
            var forged = payload
            let at = forged.startIndex + 8
            withUnsafeBytes(of: bits.littleEndian) { forged.replaceSubrange(at..<(at + 4), with: $0) }
            let message = Self.expectRefused(Self.assemble(header, forged), "value \(bits)")
            #expect(message?.contains("is not finite") == true, "\(message ?? "")")
        }
    }
}
