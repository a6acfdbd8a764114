import DCGANData
import Foundation
import DCGANKit
import DCGANTensor
import Testing

@Suite struct CheckpointTests {
    private func trainedTrainer() throws -> GANTrainer {
        let trainer = try GANTrainer(model: Tiny.model, training: Tiny.training())
        let batch = Tensor(zeros: [8, 1, 28, 28])
        Tiny.dataset.fillBatch(batch, indices: 8..<16)
        for _ in 0..<2 { _ = trainer.step { LabeledBatch(images: batch) } }
        return trainer
    }

    private func write(_ bytes: [UInt8]) throws -> String {
        let path = Tiny.folder("ckpt") + "/c.dcgan"
        try AtomicFile.write(bytes, to: path, overwrite: true)
        return path
    }

    @Test func roundTripRestoresEveryTensorAndTheRandomState() throws {
        let trainer = try trainedTrainer()
        let bytes = try Checkpoint.encode(trainer, model: Tiny.model, training: Tiny.training(), step: 2, batchesConsumed: 2)
        let (loaded, header) = try Checkpoint.load(path: try write(bytes), expecting: Tiny.model)
        #expect(header.step == 2 && header.batchesConsumed == 2)
        #expect(loaded.noiseRNG == trainer.noiseRNG)
        #expect(loaded.optimizerD.stepCount == 2)
        let pairs = zip(trainer.generator.parameters + trainer.discriminator.parameters,
                        loaded.generator.parameters + loaded.discriminator.parameters)
        for (a, b) in pairs { #expect(a.value.array == b.value.array) }
        for (a, b) in zip(trainer.generator.buffers, loaded.generator.buffers) { #expect(a.tensor.array == b.tensor.array) }
        for (a, b) in zip(trainer.optimizerG.stateTensors, loaded.optimizerG.stateTensors) { #expect(a.tensor.array == b.tensor.array) }
        // Re-encoding the loaded state gives the same bytes.
        #expect(try Checkpoint.encode(loaded, model: Tiny.model, training: Tiny.training(), step: 2, batchesConsumed: 2) == bytes)
        // The header is readable text.
        #expect(String(decoding: bytes[16..<200], as: UTF8.self).contains("\"model\""))
    }

    @Test func damagedFilesAreRefusedWithOneLine() throws {
        let bytes = try Checkpoint.encode(try trainedTrainer(), model: Tiny.model, training: Tiny.training(), step: 2, batchesConsumed: 2)
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x40
        var badMagic = bytes
        badMagic[0] = 0x58
        var future = bytes
        future[8] = 9
        let cases: [([UInt8], String)] = [
            (flipped, "checksum"), (Array(bytes.prefix(bytes.count - 100)), "checksum"), (badMagic, "magic"),
            (future, "format"), ([], "magic"),
        ]
        for (damaged, expected) in cases {
            let path = try write(damaged)
            do {
                _ = try Checkpoint.load(path: path)
                Issue.record("loaded a damaged checkpoint (\(expected))")
            } catch let error as DataError {
                #expect(error.description.hasPrefix(path))
                #expect(error.description.contains(expected))
                #expect(!error.description.contains("\n"))
            }
        }
        #expect(throws: DataError.self) { _ = try Checkpoint.load(path: "/nonexistent/c.dcgan") }
    }

    @Test func checkpointFromAnotherConfigurationIsRefused() throws {
        let path = try write(try Checkpoint.encode(try trainedTrainer(), model: Tiny.model, training: Tiny.training(), step: 2, batchesConsumed: 2))
        var other = Tiny.model
        other.ngf = 8
        do {
            _ = try Checkpoint.load(path: path, expecting: other)
            Issue.record("accepted a checkpoint of another configuration")
        } catch let error as DataError {
            #expect(error.description.contains("another configuration"))
        }
    }
}
