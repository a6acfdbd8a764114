import CZlib
import Data
import Foundation
import NN
import Tensor

/// A versioned checkpoint file holding both networks, BatchNorm running statistics, both
/// optimisers' state, the position in training and the random state.
///
/// Layout: `DCGANCKP` magic, format version (UInt32 LE), header length (UInt32 LE), a JSON
/// header (readable with `head`: configuration, position, tensor names and shapes), the
/// tensors as Float32 LE in header order, and a CRC-32 of everything before it (UInt32 LE).
public struct Checkpoint {
    public static let magic = Array("DCGANCKP".utf8)
    public static let formatVersion: UInt32 = 1
    /// The tool version written into headers and `config.json`.
    public static let toolVersion = "0.1.0"

    /// The readable part of the file.
    public struct Header: Codable, Equatable {
        public var toolVersion: String
        public var model: ModelConfig
        public var training: TrainingConfig
        /// Generator steps completed.
        public var step: Int
        /// Real batches consumed so far (positions the data order exactly).
        public var batchesConsumed: Int
        public var noiseState: [UInt64]
        public var optimizerSteps: [Int]
        public var tensors: [TensorEntry]
    }

    public struct TensorEntry: Codable, Equatable {
        public var name: String
        public var shape: [Int]
    }

    /// Every tensor of a trainer's state, named, in a fixed order.
    static func namedTensors(of trainer: GANTrainer) -> [(String, Tensor)] {
        func network(_ prefix: String, _ net: Sequential) -> [(String, Tensor)] {
            net.parameters.enumerated().map { ("\(prefix).param\($0.offset).\($0.element.name)", $0.element.value) }
                + net.buffers.map { ("\(prefix).\($0.name)", $0.tensor) }
        }
        func optimizer(_ prefix: String, _ opt: Optimizer) -> [(String, Tensor)] {
            opt.stateTensors.map { ("\(prefix).\($0.name)", $0.tensor) }
        }
        return network("G", trainer.generator) + network("D", trainer.discriminator)
            + optimizer("optG", trainer.optimizerG) + optimizer("optD", trainer.optimizerD)
    }

    /// The bytes of a checkpoint of `trainer` after `step` iterations.
    public static func encode(_ trainer: GANTrainer, step: Int, batchesConsumed: Int) throws -> [UInt8] {
        let tensors = namedTensors(of: trainer)
        let header = Header(toolVersion: toolVersion, model: trainer.model, training: trainer.training, step: step,
                            batchesConsumed: batchesConsumed, noiseState: trainer.noiseRNG.state,
                            optimizerSteps: [trainer.optimizerG.stepCount, trainer.optimizerD.stepCount],
                            tensors: tensors.map { TensorEntry(name: $0.0, shape: $0.1.shape) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = Array(try encoder.encode(header)) + Array("\n".utf8)
        var bytes = magic
        bytes.reserveCapacity(json.count + tensors.reduce(0) { $0 + $1.1.count * 4 } + 64)
        appendUInt32(formatVersion, to: &bytes)
        appendUInt32(UInt32(json.count), to: &bytes)
        bytes += json
        for (_, tensor) in tensors {
            for value in tensor.buffer { appendUInt32(value.bitPattern, to: &bytes) }
        }
        appendUInt32(checksum(bytes[...]), to: &bytes)
        return bytes
    }

    /// Reads and verifies a checkpoint's header without touching any model.
    public static func readHeader(_ bytes: [UInt8], path: String) throws -> (header: Header, payloadOffset: Int) {
        let fail = { (problem: String) in DataError(path: path, problem) }
        guard bytes.count >= 20, Array(bytes[0..<8]) == magic else { throw fail("not a dcgan checkpoint (bad magic)") }
        let version = readUInt32(bytes, at: 8)
        guard version == formatVersion else { throw fail("checkpoint format \(version) is not supported (this tool reads \(formatVersion))") }
        let stored = readUInt32(bytes, at: bytes.count - 4)
        guard stored == checksum(bytes[0..<(bytes.count - 4)]) else { throw fail("checkpoint is damaged (checksum mismatch)") }
        let headerLength = Int(readUInt32(bytes, at: 12))
        guard 16 + headerLength <= bytes.count - 4 else { throw fail("checkpoint header is truncated") }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(bytes[16..<(16 + headerLength)]))
        } catch {
            throw fail("checkpoint header is not valid: \(error.localizedDescription)")
        }
        guard header.optimizerSteps.count == 2, header.noiseState.count == 4, header.noiseState.contains(where: { $0 != 0 }),
              header.step >= 0, header.batchesConsumed >= 0,
              header.tensors.allSatisfy({ $0.shape.allSatisfy { (0...(1 << 28)).contains($0) } }) else {
            throw fail("checkpoint header is not valid")
        }
        let payload = header.tensors.reduce(0) { $0 + $1.shape.reduce(1, *) * 4 }
        guard 16 + headerLength + payload == bytes.count - 4 else { throw fail("checkpoint holds \(bytes.count) bytes, its header describes \(16 + headerLength + payload + 4)") }
        return (header, 16 + headerLength)
    }

    /// Rebuilds a trainer from a checkpoint file. With `expecting`, the checkpoint must
    /// have been made with that model configuration.
    public static func load(path: String, expecting model: ModelConfig? = nil) throws -> (trainer: GANTrainer, header: Header) {
        let bytes: [UInt8]
        do { bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw DataError(path: path, FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such checkpoint")
        }
        let (header, offset) = try readHeader(bytes, path: path)
        if let model, model != header.model {
            throw DataError(path: path, "checkpoint is from another configuration (\(describe(header.model)), expected \(describe(model)))")
        }
        let trainer: GANTrainer
        do { trainer = try GANTrainer(model: header.model, training: header.training) } catch {
            throw DataError(path: path, "checkpoint configuration is invalid: \(error)")
        }
        let tensors = namedTensors(of: trainer)
        guard tensors.map({ TensorEntry(name: $0.0, shape: $0.1.shape) }) == header.tensors else {
            throw DataError(path: path, "checkpoint tensors do not match the networks its configuration describes")
        }
        var position = offset
        for (_, tensor) in tensors {
            for i in 0..<tensor.count {
                tensor[i] = Float(bitPattern: readUInt32(bytes, at: position))
                position += 4
            }
        }
        trainer.noiseRNG = RandomGenerator(state: header.noiseState)
        trainer.optimizerG.stepCount = header.optimizerSteps[0]
        trainer.optimizerD.stepCount = header.optimizerSteps[1]
        return (trainer, header)
    }

    static func describe(_ m: ModelConfig) -> String {
        "\(m.imageSize)x\(m.imageSize)x\(m.channels), nz \(m.nz), ngf \(m.ngf), ndf \(m.ndf)"
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
    }

    static func appendUInt32(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }
}
