import DCGANData
import DCGANLayers
import DCGANTensor
import Foundation

/// The checkpoint of a `dcgan train` run: a `StateDictFile` whose metadata (`Header`) says
/// how to rebuild the trainer (model family, shape, training settings) and where training
/// stands (step, position in the data, random state), and whose tensors are both networks,
/// their BatchNorm statistics and both optimisers' state (docs/CHECKPOINTS.md).
public enum Checkpoint {
    /// The tool version written into headers and `config.json`.
    public static let toolVersion = "0.2.0"

    /// The readable part of the file.
    public struct Header: Codable, Equatable {
        /// The version of the tool that wrote the file.
        public var toolVersion: String
        /// The shape of both networks.
        public var model: ModelConfig
        /// The run's settings (a resumed run reuses them).
        public var training: TrainingConfig
        /// Generator steps completed.
        public var step: Int
        /// Real batches consumed so far (positions the data order exactly).
        public var batchesConsumed: Int
        /// State of the trainer's random stream, so that z continues exactly.
        public var noiseState: [UInt64]
        /// Steps taken by G's and D's optimisers (Adam's bias correction depends on them).
        public var optimizerSteps: [Int]
        /// State of the augmentation's random stream (`--augment`); nil when it is off.
        public var augmentState: [UInt64]?
    }

    /// Every tensor of a trainer's state, named: "G.<layer>.<tensor>", "D....", "optG....", "optD....",
    /// then "G_ema...." (the average of G's weights) when the trainer keeps one.
    public static func state(of trainer: GANTrainer) -> StateDict {
        StateDict(trainer.generator, prefix: "G") + StateDict(trainer.discriminator, prefix: "D")
            + StateDict(trainer.optimizerG, prefix: "optG") + StateDict(trainer.optimizerD, prefix: "optD")
            + (trainer.generatorAverage.map { StateDict($0.average, prefix: "G_ema") } ?? StateDict())
    }

    /// The bytes of a checkpoint of `trainer`, built from `model` and `training`, after `step` iterations.
    public static func encode(_ trainer: GANTrainer, model: ModelConfig, training: TrainingConfig, step: Int,
                              batchesConsumed: Int) throws -> [UInt8] {
        let header = Header(toolVersion: toolVersion, model: model, training: training, step: step, batchesConsumed: batchesConsumed,
                            noiseState: trainer.noiseRNG.state, optimizerSteps: [trainer.optimizerG.stepCount, trainer.optimizerD.stepCount],
                            augmentState: trainer.augmentation?.rng.state)
        return try StateDictFile.encode(state(of: trainer), metadata: header)
    }

    /// Rebuilds a trainer from a checkpoint file. With `expecting`, the checkpoint must
    /// have been made with that model configuration.
    public static func load(path: String, expecting model: ModelConfig? = nil) throws -> (trainer: GANTrainer, header: Header) {
        let file = try StateDictFile.open(path: path, metadata: Header.self)
        let header = file.metadata
        guard header.optimizerSteps.count == 2, header.noiseState.count == 4, header.noiseState.contains(where: { $0 != 0 }),
              header.step >= 0, header.batchesConsumed >= 0, header.optimizerSteps.allSatisfy({ $0 >= 0 }) else {
            throw DataError(path: path, "checkpoint header is not valid")
        }
        if let model, model != header.model {
            throw DataError(path: path, "checkpoint is from another configuration (\(header.model.summary), expected \(model.summary))")
        }
        // Every size in the header is bounded (`ModelConfig.validate`), then what a trainer would
        // allocate is checked against what the file holds (a trainer takes about twice its
        // checkpoint's tensors: weights and their gradients) and against memory.
        do { try header.model.validate() } catch { throw DataError(path: path, "checkpoint configuration is invalid: \(error)") }
        let needed = MemoryEstimate.trainer(model: header.model, optimizer: header.training.optimizer)
        guard needed <= 2 * Double(file.payloadBytes) + Double(1 << 20) else {
            throw DataError(path: path, "checkpoint header describes a model of \(SystemMemory.describe(needed)), more than its \(file.payloadBytes) bytes of tensors hold")
        }
        do { try MemoryEstimate(parameters: needed, optimizerState: 0, activations: 0, workspaces: 0, data: 0).require(for: "loading \(header.model.summary)") } catch {
            throw DataError(path: path, "\(error)")
        }
        let trainer: GANTrainer
        do { trainer = try GANTrainer(model: header.model, training: header.training) } catch {
            throw DataError(path: path, "checkpoint configuration is invalid: \(error)")
        }
        try file.load(into: state(of: trainer))
        trainer.noiseRNG = RandomGenerator(state: header.noiseState)
        if let state = header.augmentState {
            guard state.count == 4, state.contains(where: { $0 != 0 }) else { throw DataError(path: path, "checkpoint header is not valid") }
            trainer.augmentation?.rng = RandomGenerator(state: state)
        }
        trainer.optimizerG.stepCount = header.optimizerSteps[0]
        trainer.optimizerD.stepCount = header.optimizerSteps[1]
        // The average is updated once per G step, as G's optimiser is.
        trainer.generatorAverage?.updateCount = header.optimizerSteps[0]
        return (trainer, header)
    }
}
