import DCGANData
import Foundation
import DCGANKit
import DCGANTensor
import Testing

@Suite struct TrainingTests {
    @Test func shortRunKeepsLossesFiniteAndMovesTheWeights() throws {
        let trainer = try GANTrainer(model: Tiny.model, training: Tiny.training())
        let before = trainer.generator.parameters[0].value.copy()
        let batch = Tensor(zeros: [8, 1, 28, 28])
        Tiny.dataset.fillBatch(batch, indices: 0..<8)
        for _ in 0..<5 {
            let m = trainer.step { LabeledBatch(images: batch) }
            #expect(m.isFinite)
            #expect(m.lossD > 0 && m.lossG > 0)
            #expect((0...1).contains(m.dReal) && (0...1).contains(m.dFakeAfter))
        }
        #expect(trainer.generator.parameters[0].value.array != before.array)
        // D is unfrozen again after G's step.
        #expect(trainer.discriminator.parameters.allSatisfy { !$0.isFrozen })
    }

    @Test func everyOptionCombinationTrains() throws {
        var t = Tiny.training()
        t.optimizer = .rmsprop
        t.discriminatorSteps = 2
        t.realLabel = 0.9
        t.labelNoise = 0.05
        t.noise = .normal
        var model = Tiny.model
        model.batchNormAffine = false
        let trainer = try GANTrainer(model: model, training: t)
        var served = 0
        let batch = Tensor(zeros: [8, 1, 28, 28])
        let m = trainer.step { served += 1; return LabeledBatch(images: batch) }
        #expect(served == 2)
        #expect(m.isFinite)
    }

    @Test func resumeReproducesAnUninterruptedRun() throws {
        let whole = RunFolder(Tiny.folder("whole")), split = RunFolder(Tiny.folder("split"))
        let reference = try TrainingRun.start(model: Tiny.model, training: Tiny.training(), dataset: Tiny.dataset,
                                              folder: whole, overwrite: true)
        try reference.run { _ in }
        let first = try TrainingRun.start(model: Tiny.model, training: Tiny.training(), dataset: Tiny.dataset,
                                          folder: split, overwrite: true)
        try first.run(stopAfter: 3) { _ in }
        first.close()  // as a killed process's lock goes with it
        let resumed = try TrainingRun.resume(folder: split) { _, _ in Tiny.dataset }
        #expect(resumed.step == 3)
        try resumed.run { _ in }
        let a = try String(contentsOfFile: whole.metricsPath, encoding: .utf8)
        let b = try String(contentsOfFile: split.metricsPath, encoding: .utf8)
        // Throughput differs from run to run; everything up to it must match exactly.
        func losses(_ text: String) -> [String] { text.split(separator: "\n").map { $0.split(separator: ",").prefix(7).joined(separator: ",") } }
        #expect(losses(a).count == 7)
        #expect(losses(a) == losses(b))
        let finalA = try [UInt8](Data(contentsOf: URL(fileURLWithPath: whole.checkpointPath(step: 6))))
        let finalB = try [UInt8](Data(contentsOf: URL(fileURLWithPath: split.checkpointPath(step: 6))))
        #expect(finalA == finalB)
    }

    @Test func runFolderIsNotReplacedWithoutOverwrite() throws {
        let folder = RunFolder(Tiny.folder("existing"))
        _ = try TrainingRun.start(model: Tiny.model, training: Tiny.training(), dataset: Tiny.dataset, folder: folder, overwrite: false)
        #expect(throws: DataError.self) {
            _ = try TrainingRun.start(model: Tiny.model, training: Tiny.training(), dataset: Tiny.dataset, folder: folder, overwrite: false)
        }
    }

    @Test func divergenceStopsAndKeepsTheLastGoodCheckpoint() throws {
        var t = Tiny.training(iterations: 40)
        t.learningRate = 1e30
        let folder = RunFolder(Tiny.folder("nan"))
        let run = try TrainingRun.start(model: Tiny.model, training: t, dataset: Tiny.dataset, folder: folder, overwrite: true)
        var caught: DivergenceError?
        do { try run.run { _ in } } catch let error as DivergenceError { caught = error }
        let error = try #require(caught)
        #expect(error.description.contains("diverged"))
        // Every checkpoint on disk predates the failure and loads cleanly.
        if let last = folder.latestCheckpoint() {
            #expect(error.lastCheckpoint == last)
            let (_, header) = try Checkpoint.load(path: last)
            #expect(header.step < error.step)
        }
    }

    @Test func datasetOfAnotherShapeIsRejected() {
        #expect(throws: ConfigError.self) {
            _ = try TrainingRun.start(model: ModelConfig(imageSize: 32, channels: 1, nz: 8, ngf: 4, ndf: 4), training: Tiny.training(),
                                      dataset: Tiny.dataset, folder: RunFolder(Tiny.folder("shape")), overwrite: true)
        }
    }
}

@Suite struct ResumeExtensionTests {
    /// Training 4 steps, stopping, then extending to 9 gives the losses and final checkpoint
    /// of an uninterrupted 9-step run, bit for bit; for a conditional model too.
    @Test(arguments: [0, 10]) func extendedRunEqualsAnUninterruptedOne(classes: Int) throws {
        var model = Tiny.model
        model.classes = classes
        let whole = RunFolder(Tiny.folder("long")), short = RunFolder(Tiny.folder("short"))
        try TrainingRun.start(model: model, training: Tiny.training(iterations: 9), dataset: Tiny.dataset, folder: whole, overwrite: true)
            .run { _ in }
        try TrainingRun.start(model: model, training: Tiny.training(iterations: 4), dataset: Tiny.dataset, folder: short, overwrite: true)
            .run { _ in }
        let resumed = try TrainingRun.resume(folder: short, extendTo: .iterations(9)) { _, _ in Tiny.dataset }
        #expect(resumed.step == 4 && resumed.training.iterations == 9)
        try resumed.run { _ in }
        func losses(_ folder: RunFolder) throws -> [String] {
            try String(contentsOfFile: folder.metricsPath, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").prefix(7).joined(separator: ",") }
        }
        #expect(try losses(whole).count == 10)
        #expect(try losses(whole) == losses(short))
        let a = try [UInt8](Data(contentsOf: URL(fileURLWithPath: whole.checkpointPath(step: 9))))
        let b = try [UInt8](Data(contentsOf: URL(fileURLWithPath: short.checkpointPath(step: 9))))
        #expect(a == b)
        // config.json now describes the longer run.
        #expect(try String(contentsOfFile: short.configPath, encoding: .utf8).contains("\"iterations\" : 9"))
    }

    @Test func extensionMustGoBeyondTheCheckpoint() throws {
        let folder = RunFolder(Tiny.folder("noextend"))
        try TrainingRun.start(model: Tiny.model, training: Tiny.training(iterations: 6), dataset: Tiny.dataset, folder: folder, overwrite: true)
            .run { _ in }
        #expect(throws: ConfigError.self) { _ = try TrainingRun.resume(folder: folder, extendTo: .iterations(6)) { _, _ in Tiny.dataset } }
        // Epochs convert with the dataset's size: 40 images, batch 8 -> 5 steps an epoch.
        let run = try TrainingRun.resume(folder: folder, extendTo: .epochs(2)) { _, _ in Tiny.dataset }
        #expect(run.training.iterations == 10)
    }

    @Test func conditionalRunNeedsLabels() {
        var model = Tiny.model
        model.classes = 10
        let unlabelled = ImageDataset(count: 16, channels: 1, height: 28, width: 28, pixels: [UInt8](repeating: 9, count: 16 * 784))
        #expect(throws: ConfigError.self) {
            _ = try TrainingRun.start(model: model, training: Tiny.training(), dataset: unlabelled, folder: RunFolder(Tiny.folder("nolabels")), overwrite: true)
        }
    }
}
