import DCGANData
import Foundation
import DCGANLayers
import DCGANTensor

/// A versioned checkpoint file holding both networks, BatchNorm running statistics, both
/// optimisers' state, the position in training and the random state, in the `TensorArchive`
/// container (`DCGANCKP` magic; the JSON header is readable with `head`).
public enum Checkpoint {
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
        var tensors: [TensorArchive.Entry]
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
                            tensors: tensors.map { TensorArchive.Entry(name: $0.0, shape: $0.1.shape) })
        return try TensorArchive.encode(magic: magic, version: formatVersion, header: header, tensors: tensors)
    }

    /// Rebuilds a trainer from a checkpoint file. With `expecting`, the checkpoint must
    /// have been made with that model configuration.
    public static func load(path: String, expecting model: ModelConfig? = nil) throws -> (trainer: GANTrainer, header: Header) {
        let bytes = try TensorArchive.readFile(path, kind: "checkpoint")
        let (header, offset) = try TensorArchive.decodeHeader(bytes, path: path, magic: magic, version: formatVersion,
                                                              kind: "checkpoint") { (h: Header) in h.tensors }
        guard header.optimizerSteps.count == 2, header.noiseState.count == 4, header.noiseState.contains(where: { $0 != 0 }),
              header.step >= 0, header.batchesConsumed >= 0 else {
            throw DataError(path: path, "checkpoint header is not valid")
        }
        if let model, model != header.model {
            throw DataError(path: path, "checkpoint is from another configuration (\(describe(header.model)), expected \(describe(model)))")
        }
        let trainer: GANTrainer
        do { trainer = try GANTrainer(model: header.model, training: header.training) } catch {
            throw DataError(path: path, "checkpoint configuration is invalid: \(error)")
        }
        let tensors = namedTensors(of: trainer)
        guard tensors.map({ TensorArchive.Entry(name: $0.0, shape: $0.1.shape) }) == header.tensors else {
            throw DataError(path: path, "checkpoint tensors do not match the networks its configuration describes")
        }
        TensorArchive.readTensors(bytes, from: offset, into: tensors.map(\.1))
        trainer.noiseRNG = RandomGenerator(state: header.noiseState)
        trainer.optimizerG.stepCount = header.optimizerSteps[0]
        trainer.optimizerD.stepCount = header.optimizerSteps[1]
        return (trainer, header)
    }

    static func describe(_ m: ModelConfig) -> String {
        "\(m.imageSize)x\(m.imageSize)x\(m.channels), nz \(m.nz), ngf \(m.ngf), ndf \(m.ndf)"
    }
}
