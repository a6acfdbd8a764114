import DCGANKit
import Foundation
import Testing

/// Input the tool must refuse or honour with a word: configurations that cannot fit in memory,
/// values that would leave a half-made run, outputs that would be half written.
@Suite struct CommandLineInputTests {
    @Test func configurationsThatCannotFitAreRefusedWithBothNumbers() throws {
        for arguments in [["bench", "--image-size", "4096", "--channels", "3", "--batch-size", "1000"],
                          ["train", "--dataset", "fake", "--image-size", "4096", "--channels", "3", "--batch-size", "1000", "--out", Tiny.folder("oom") + "/run"]] {
            let outcome = try CommandLineTests.run(arguments)
            #expect(outcome.status != 0)
            // "... needs about 1234.5 GiB of memory, but only 20.1 GiB is available"
            let both = try #/needs about [0-9.]+ [GM]iB of memory, but only [0-9.]+ [GM]iB is available/#.firstMatch(in: outcome.stderr)
            #expect(outcome.stderr.split(separator: "\n").count == 1 && both != nil, "\(outcome.stderr)")
        }
        // The estimate itself: 4096 x 4096 RGB at batch 1000 needs terabytes, 28 x 28 at 128 well under a gigabyte.
        let huge = MemoryEstimate.training(model: ModelConfig(imageSize: 4096, channels: 3), batchSize: 1000, optimizer: .adam)
        let small = MemoryEstimate.training(model: ModelConfig(), batchSize: 128, optimizer: .adam)
        #expect(huge.total > 1e12 && small.total < 1e9 && small.total > 1e7)
        #expect(throws: ConfigError.self) { try huge.require(for: "this") }
        try small.require(for: "this")
    }

    @Test func anInfiniteLearningRateLeavesNoRunFolder() throws {
        let run = Tiny.folder("lr") + "/run"
        try CommandLineTests.expectFailure(["train", "--lr", "inf", "--out", run] + CommandLineTests.tinyTraining, mentions: "--lr", mustNotExist: run)
        try CommandLineTests.expectFailure(["bench", "--seconds", "inf"], mentions: "--seconds")
    }

    @Test func sampleIndividualWritesNothingWhenOneFileExists() throws {
        let run = Tiny.folder("individual") + "/run"
        try CommandLineTests.trainTiny(into: run)
        let folder = Tiny.folder("individual-out")
        try Data([1]).write(to: URL(fileURLWithPath: folder + "/image-00003.png"))
        try CommandLineTests.expectFailure(["sample", "--checkpoint", run, "--count", "8", "--individual", folder], mentions: "image-00003.png exists")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["image-00003.png"])
    }

    @Test func rmspropUsesTheLearningRateGivenAndRecordsIt() throws {
        let run = Tiny.folder("rmsprop") + "/run"
        try CommandLineTests.trainTiny(into: run, ["--optimizer", "rmsprop", "--lr", "0.003"])
        let config = try JSONDecoder().decode(TrainingRunConfig.self, from: Data(contentsOf: URL(fileURLWithPath: run + "/config.json")))
        #expect(config.training.rmspropLearningRateD == 0.003 && config.training.rmspropLearningRateG == 0.003)
        // Without --lr, the Keras tutorial's pair.
        let plain = Tiny.folder("rmsprop") + "/plain"
        try CommandLineTests.trainTiny(into: plain, ["--optimizer", "rmsprop"])
        let defaults = try JSONDecoder().decode(TrainingRunConfig.self, from: Data(contentsOf: URL(fileURLWithPath: plain + "/config.json")))
        #expect(defaults.training.rmspropLearningRateD == 8e-4 && defaults.training.rmspropLearningRateG == 4e-4)
    }

    @Test func classesOfFakeDataAreHonouredWithAWord() throws {
        let outcome = try CommandLineTests.run(["train", "--iterations", "1", "--classes", "3", "--out", Tiny.folder("fake") + "/run"]
                                               + CommandLineTests.tinyTraining)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("the fake images have random labels 0-9: --classes 3 keeps"), "\(outcome.stdout)")
    }

    /// The part of config.json these tests read.
    struct TrainingRunConfig: Decodable { var training: TrainingConfig }
}
