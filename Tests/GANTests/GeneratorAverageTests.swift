import DCGANData
import DCGANKit
import DCGANLayers
import DCGANTensor
import Foundation
import Testing

/// `--g-ema`: the moving average of G's weights beside G. Off, nothing changes; on, training
/// itself is untouched, the average travels in checkpoints (resumed bit for bit) and is what
/// the run's samples, `dcgan sample`, `evaluate` and `export` draw with unless `--no-ema`.
@Suite struct GeneratorAverageTests {
    static func training(iterations: Int = 6, ema: Float?) -> TrainingConfig {
        var t = Tiny.training(iterations: iterations)
        t.generatorEMA = ema
        return t
    }

    static func bytes(_ path: String) throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) }

    /// The tiny dataset's images `8 * index ..< 8 * index + 8`.
    static func batch(_ index: Int) -> LabeledBatch {
        let images = Tensor(zeros: [8] + Tiny.model.sampleShape)
        Tiny.dataset.fillBatch(images, indices: (index * 8)..<(index * 8 + 8))
        return LabeledBatch(images: images)
    }

    /// The float32 values stored under `name` in a safetensors file.
    static func safeTensor(_ path: String, _ name: String) throws -> [Float]? {
        guard case .float32(let tensor)? = try SafeTensors.read(path: path).tensors.first(where: { $0.name == name })?.value else { return nil }
        return tensor.array
    }

    /// The tensors named `prefix.*` of a checkpoint file, loaded into a fresh generator of `model`.
    static func generator(from path: String, prefix: String, model: ModelConfig) throws -> Layer {
        let (_, stored) = try StateDictFile.read(path: path, metadata: Checkpoint.Header.self)
        let network = ModelZoo.generator(for: model, condition: nil)
        try StateDict(network, prefix: prefix).load(from: StateDict(stored.entries.filter { $0.name.hasPrefix(prefix + ".") }), path: path)
        return network
    }

    @Test func theAverageNeverChangesTrainingAndIsOnlySavedWhenOn() throws {
        let off = try GANTrainer(model: Tiny.model, training: Self.training(ema: nil))
        let on = try GANTrainer(model: Tiny.model, training: Self.training(ema: 0.9))
        #expect(off.generatorAverage == nil && on.generatorAverage != nil)
        for step in 0..<3 {
            let batch = Self.batch(step)
            #expect(off.step { batch } == on.step { batch })
        }
        // G, D, both optimisers and the noise stream are the same whether the average is kept.
        let plain = Checkpoint.state(of: off), averaged = Checkpoint.state(of: on)
        #expect(plain.entries.allSatisfy { !$0.name.hasPrefix("G_ema.") })
        #expect(Array(averaged.entries.map(\.name).prefix(plain.entries.count)) == plain.entries.map(\.name))
        for (a, b) in zip(plain.entries, averaged.entries) { #expect(a.tensor.array == b.tensor.array, "\(a.name)") }
        #expect(off.noiseRNG.state == on.noiseRNG.state)
        let emaNames = averaged.entries.dropFirst(plain.entries.count).map(\.name)
        #expect(emaNames == StateDict(on.generator, prefix: "G").entries.map { "G_ema" + $0.name.dropFirst(1) })
        // A configuration without the option records nothing about it.
        let json = String(decoding: try JSONEncoder().encode(Self.training(ema: nil)), as: UTF8.self)
        #expect(!json.contains("generatorEMA"))
        #expect(String(decoding: try JSONEncoder().encode(Self.training(ema: 0.5)), as: UTF8.self).contains("\"generatorEMA\":0.5"))
    }

    @Test func theTrainerKeepsTheWarmedUpAverageOfGsWeights() throws {
        let trainer = try GANTrainer(model: Tiny.model, training: Self.training(ema: 0.95))
        var reference = trainer.generator.parameters.map { $0.value.array.map(Double.init) }
        for step in 0..<4 {
            let batch = Self.batch(step)
            _ = trainer.step { batch }
            let d = min(0.95, (1 + Double(step)) / (10 + Double(step)))
            for (index, p) in trainer.generator.parameters.enumerated() {
                reference[index] = zip(reference[index], p.value.array).map { d * $0 + (1 - d) * Double($1) }
                let average = trainer.generatorAverage!.average.parameters[index].value.array
                let worst = zip(average, reference[index]).map { abs(Double($0) - $1) }.max() ?? 0
                #expect(worst <= 1e-6, "step \(step + 1), \(p.name): \(worst)")
            }
        }
        // The average differs from G, and is what `generate` draws with unless told otherwise.
        var rng = RandomGenerator(seed: 3)
        let z = trainer.latent.sample(count: 4, rng: &rng)
        let fromAverage = trainer.generate(z).array
        trainer.samplesFromAverage = false
        let fromG = trainer.generate(z).array
        #expect(fromAverage != fromG)
        let network = trainer.generatorAverage!.average
        network.setTraining(false)
        #expect(network.forward(z).array == fromAverage)
        network.setTraining(true)
    }

    @Test func checkpointsRoundTripAndResumeReproducesAnUninterruptedRun() throws {
        let whole = RunFolder(Tiny.folder("ema-whole")), split = RunFolder(Tiny.folder("ema-split"))
        let training = Self.training(ema: 0.9)
        try TrainingRun.start(model: Tiny.model, training: training, dataset: Tiny.dataset, folder: whole, overwrite: true).run { _ in }
        let first = try TrainingRun.start(model: Tiny.model, training: training, dataset: Tiny.dataset, folder: split, overwrite: true)
        try first.run(stopAfter: 3) { _ in }
        first.close()
        let (loaded, header) = try Checkpoint.load(path: split.checkpointPath(step: 3))
        #expect(header.training.generatorEMA == 0.9 && loaded.generatorAverage?.updateCount == 3)
        let saved = Checkpoint.state(of: first.trainer), restored = Checkpoint.state(of: loaded)
        #expect(saved.entries.map(\.name) == restored.entries.map(\.name) && saved.entries.contains { $0.name == "G_ema.0.weight" })
        for (a, b) in zip(saved.entries, restored.entries) { #expect(a.tensor.array == b.tensor.array, "\(a.name)") }
        let resumed = try TrainingRun.resume(folder: split) { _, _ in Tiny.dataset }
        try resumed.run { _ in }
        #expect(try Self.bytes(whole.checkpointPath(step: 6)) == Self.bytes(split.checkpointPath(step: 6)))
    }

    @Test func sampleAndExportDrawWithTheAverageUnlessNoEMA() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        let out = Tiny.folder("ema-cli"), run = out + "/run"
        let trained = try CommandLineTests.run(["train", "--iterations", "3", "--out", run, "--g-ema", "0.999"] + CommandLineTests.tinyTraining)
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stdout.contains("keeping a moving average of G's weights (decay 0.999, warmed up); samples use it"))
        let config = try String(contentsOfFile: run + "/config.json", encoding: .utf8)
        #expect(config.contains("\"generatorEMA\" : 0.999"))
        let checkpoint = RunFolder(run).checkpointPath(step: 3)
        for (flags, name) in [([String](), "ema"), (["--no-ema"], "raw")] {
            let outcome = try CommandLineTests.run(["sample", "--checkpoint", run, "--count", "5", "--raw", "\(out)/\(name).npy"] + flags)
            #expect(outcome.status == 0, "\(outcome.stderr)")
        }
        let ema = try NPYReader.readFloat32(path: out + "/ema.npy").values, raw = try NPYReader.readFloat32(path: out + "/raw.npy").values
        #expect(ema != raw)
        // Each equals the generator built from its own tensors of the file (running statistics, seed 1).
        let (trainer, header) = try Checkpoint.load(path: checkpoint)
        var rng = RandomGenerator(seed: 1)
        let z = trainer.latent.sample(count: 5, rng: &rng)
        for (prefix, values) in [("G_ema", ema), ("G", raw)] {
            let network = try Self.generator(from: checkpoint, prefix: prefix, model: header.model)
            network.setTraining(false)
            #expect(network.forward(z).array == values, "\(prefix)")
        }
        // export writes what sample draws with: the average unless --no-ema.
        for (flags, name) in [([String](), "ema"), (["--no-ema"], "raw")] {
            let outcome = try CommandLineTests.run(["export", "--checkpoint", checkpoint, "--format", "safetensors", "--output", "\(out)/\(name).safetensors"] + flags)
            #expect(outcome.status == 0, "\(outcome.stderr)")
        }
        let stored = try StateDictFile.read(path: checkpoint, metadata: Checkpoint.Header.self).state
        #expect(try Self.safeTensor(out + "/ema.safetensors", "main.0.weight") == stored["G_ema.0.weight"]?.array)
        #expect(try Self.safeTensor(out + "/raw.safetensors", "main.0.weight") == stored["G.0.weight"]?.array)
        #expect(stored["G_ema.0.weight"]?.array != stored["G.0.weight"]?.array)
    }

    @Test func evaluateScoresWhatSampleDrawsWithOrWithoutTheAverage() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        let data = try EvaluateCommandTests.imageFolder(perClass: 12), out = Tiny.folder("ema-eval")
        let run = out + "/run", classifier = out + "/classifier.dcgan"
        let trained = try CommandLineTests.run(["train", "--dataset", "folder", "--data-root", data, "--image-size", "12", "--channels", "3",
                                                "--nz", "8", "--ngf", "4", "--ndf", "4", "--batch-size", "8", "--sample-every", "0",
                                                "--iterations", "3", "--g-ema", "0.9", "--out", run])
        #expect(trained.status == 0, "\(trained.stderr)")
        let scoring = ["--kid-subset-size", "5", "--kid-subsets", "2", "--classifier", classifier, "--classifier-epochs", "1"]
        func frechet(_ arguments: [String]) throws -> String? {
            let outcome = try CommandLineTests.run(["evaluate", "--count", "10", "--data-root", data, "--dataset", "folder"] + scoring + arguments)
            #expect(outcome.status == 0, "\(outcome.stderr)")
            return outcome.stdout.split(separator: "\n").first { $0.hasPrefix("Fréchet distance") }.map(String.init)
        }
        var scores: [String?] = []
        for flags in [[String](), ["--no-ema"]] {
            let npy = out + "/samples\(flags.count).npy"
            #expect(try CommandLineTests.run(["sample", "--checkpoint", run, "--count", "10", "--npy", npy] + flags).status == 0)
            let fromCheckpoint = try frechet(["--checkpoint", run] + flags), fromFile = try frechet(["--npy", npy])
            #expect(fromCheckpoint != nil && fromCheckpoint == fromFile, "\(flags)")
            scores.append(fromCheckpoint)
        }
        #expect(scores[0] != scores[1])
    }

    @Test func decaysOutsideTheOpenUnitIntervalAreRefused() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        // 0, -1, NaN, infinities and huge values are in CommandLineOptionTests' table; 1 is refused as well.
        try CommandLineTests.expectFailure(["train", "--g-ema", "1"] + CommandLineTests.tinyTraining,
                                           mentions: "'1' is invalid for '--g-ema <g-ema>': must be a finite number in (0, 1)")
        var training = Self.training(ema: 1)
        #expect(throws: ConfigError.self) { try training.validate() }
        training.generatorEMA = .nan
        #expect(throws: ConfigError.self) { try training.validate() }
    }
}
