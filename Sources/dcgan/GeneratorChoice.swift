import ArgumentParser
import DCGANKit

/// `--no-ema`: whether a command draws with the moving average of G's weights that a
/// checkpoint of `dcgan train --g-ema` holds (the default) or with G itself. Checkpoints
/// without an average always draw with G.
struct GeneratorChoice: ParsableArguments {
    @Flag(name: .customLong("no-ema"), help: "Draw with G's own weights instead of the moving average of them that a checkpoint of `train --g-ema` holds.")
    var rawGenerator = false

    /// Loads the checkpoint `argument` names (a file, or a run folder: its latest checkpoint),
    /// set to draw with the chosen generator.
    func load(_ argument: String) throws -> (trainer: GANTrainer, header: Checkpoint.Header) {
        try Self.load(argument, rawGenerator: rawGenerator)
    }

    /// `load` with the choice given by the caller (`ExperimentOptions`, whose commands do not all draw from G).
    static func load(_ argument: String, rawGenerator: Bool) throws -> (trainer: GANTrainer, header: Checkpoint.Header) {
        let loaded = try Checkpoint.load(path: try CheckpointArgument.resolve(argument))
        loaded.trainer.samplesFromAverage = !rawGenerator
        return loaded
    }
}
