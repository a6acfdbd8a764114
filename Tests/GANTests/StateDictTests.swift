import DCGANData
import DCGANKit
import DCGANLayers
import DCGANTensor
import Foundation
import Testing

@Suite struct StateDictTests {
    struct Note: Codable, Equatable { var name: String; var steps: Int }

    static func network() -> Sequential {
        let net = Sequential([Linear(3, 4), BatchNorm(4), Activation(.relu), Sequential([Linear(4, 2)])])
        var rng = RandomGenerator(seed: 6)
        Initializer.pytorchDefault(net, rng: &rng)
        return net
    }

    @Test func namesFollowPyTorchsStateDict() {
        let names = StateDict(Self.network(), prefix: "G").entries.map(\.name)
        #expect(names == ["G.0.weight", "G.0.bias", "G.1.weight", "G.1.bias", "G.1.running_mean", "G.1.running_var", "G.3.0.weight", "G.3.0.bias"])
        let optimizer = Adam(Self.network().parameters)
        #expect(StateDict(optimizer, prefix: "opt").entries.map(\.name).prefix(3) == ["opt.m.0", "opt.v.0", "opt.m.1"])
    }

    @Test func fileRoundTripRestoresEveryTensorAndTheMetadata() throws {
        let source = Self.network(), target = Self.network()
        for p in target.namedTensors { p.tensor.fill(0) }
        source.namedTensors[4].tensor.fill(0.25)  // a running mean, so buffers are covered
        let path = Tiny.folder("state") + "/net.ckpt"
        try StateDictFile.write(StateDict(source, prefix: "net"), metadata: Note(name: "mine", steps: 7), to: path, overwrite: false)
        let (note, stored) = try StateDictFile.read(path: path, metadata: Note.self)
        #expect(note == Note(name: "mine", steps: 7))
        try StateDict(target, prefix: "net").load(from: stored, path: path)
        for (a, b) in zip(source.namedTensors, target.namedTensors) { #expect(a.tensor.array == b.tensor.array, "\(a.name)") }
        // Nothing a user made is replaced without asking.
        #expect(throws: DataError.self) { try StateDictFile.write(StateDict(source, prefix: "net"), metadata: note, to: path, overwrite: false) }
    }

    @Test func mismatchesAreRefusedByNameWithoutCopyingAnything() throws {
        let path = "/tmp/x.ckpt"
        let model = StateDict(Self.network(), prefix: "G")
        let before = model.entries.map { $0.tensor.array }
        var missing = model.entries
        missing.removeLast()
        var wrongShape = model.entries.map { ($0.name, $0.tensor.copy()) }
        wrongShape[0].1 = Tensor(zeros: [5, 3])
        let extra = model.entries.map { ($0.name, $0.tensor.copy()) } + [("G.9.weight", Tensor(zeros: [1]))]
        let cases: [([(String, Tensor)], String)] = [(missing, "holds no tensor 'G.3.0.bias'"), (wrongShape, "'G.0.weight' has shape [5, 3]"),
                                                     (extra, "a tensor 'G.9.weight' that the model does not have")]
        for (entries, message) in cases {
            do {
                try model.load(from: StateDict(entries.map { (name: $0.0, tensor: $0.1) }), path: path)
                Issue.record("loaded a mismatched state (\(message))")
            } catch let error as DataError {
                #expect(error.description.contains(message) && error.description.hasPrefix(path), "\(error)")
            }
            #expect(model.entries.map { $0.tensor.array } == before)
        }
    }

    @Test func everyPresetRoundTripsThroughACheckpoint() throws {
        let models = [ModelConfig(imageSize: 28, channels: 1, nz: 8, ngf: 4, ndf: 4, classes: 3),
                      { var m = ModelConfig.defaults(for: .mlp); m.hidden = 8; m.classes = 2; return m }(),
                      ModelConfig.defaults(for: .toy1010)]
        for model in models {
            var training = TrainingConfig.defaults(for: model.architecture)
            (training.batchSize, training.iterations, training.loss) = (4, 1, .hinge)
            let trainer = try GANTrainer(model: model, training: training)
            let path = Tiny.folder("preset") + "/c.dcgan"
            try AtomicFile.write(try Checkpoint.encode(trainer, model: model, training: training, step: 1, batchesConsumed: 1), to: path, overwrite: false)
            let (loaded, header) = try Checkpoint.load(path: path, expecting: model)
            #expect(header.training == training && header.model == model)
            #expect(loaded.loss == .hinge)
            for (a, b) in zip(Checkpoint.state(of: trainer).entries, Checkpoint.state(of: loaded).entries) {
                #expect(a.name == b.name && a.tensor.array == b.tensor.array)
            }
        }
    }
}
