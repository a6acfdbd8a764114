import DCGANData
import DCGANLayers
import Dispatch
import Foundation
import DCGANKit
import Testing

/// `--minutes` (a wall-clock budget that ends a run as its last step would) and `--lr-d` /
/// `--lr-g` (a learning rate of each network's own), in the library and through the tool.
@Suite(.serialized) struct TimeBudgetTests {
    /// The rate of whichever optimiser `optimizer` is.
    static func rate(_ optimizer: Optimizer) -> Float? {
        (optimizer as? Adam)?.learningRate ?? (optimizer as? RMSprop)?.learningRate ?? (optimizer as? SGD)?.learningRate
    }

    @Test(arguments: TrainingConfig.OptimizerKind.allCases)
    func eachNetworkGetsItsOwnLearningRate(kind: TrainingConfig.OptimizerKind) throws {
        var t = Tiny.training()
        t.optimizer = kind
        let today = try GANTrainer(model: Tiny.model, training: t)
        // Unset, each network keeps the rate it had before the options existed.
        let (shared, rmsD, rmsG) = (t.learningRate, t.rmspropLearningRateD, t.rmspropLearningRateG)
        #expect(Self.rate(today.optimizerD) == (kind == .rmsprop ? rmsD : shared))
        #expect(Self.rate(today.optimizerG) == (kind == .rmsprop ? rmsG : shared))
        (t.learningRateD, t.learningRateG) = (4e-4, 1e-4)
        let split = try GANTrainer(model: Tiny.model, training: t)
        #expect(Self.rate(split.optimizerD) == 4e-4 && Self.rate(split.optimizerG) == 1e-4)
        // One set alone leaves the other network as it was.
        t.learningRateG = nil
        #expect(Self.rate(try GANTrainer(model: Tiny.model, training: t).optimizerG) == (kind == .rmsprop ? rmsG : shared))
        t.learningRateD = 0
        #expect(throws: ConfigError.self) { try t.validate() }
    }

    @Test func aSpentBudgetEndsTheRunAfterOneStepAsItsLastStep() throws {
        var t = Tiny.training(iterations: 50)
        t.minutes = 1
        let folder = RunFolder(Tiny.folder("spent"))
        let run = try TrainingRun.start(model: Tiny.model, training: t, dataset: Tiny.dataset, folder: folder, overwrite: true)
        // As if the process had started two minutes ago: the first step crosses the budget.
        run.startedAt = DispatchTime(uptimeNanoseconds: DispatchTime.now().uptimeNanoseconds - 120_000_000_000)
        var reports: [TrainingProgress] = []
        #expect(try run.run { reports.append($0) } == .finished)
        #expect(run.step == 1 && reports.map(\.isLast) == [true] && reports[0].secondsLeft == 0)
        // Ended as a last step ends: the final grid and a checkpoint that loads.
        #expect(FileManager.default.fileExists(atPath: folder.samplePath(step: 1)))
        #expect(try Checkpoint.load(path: folder.checkpointPath(step: 1)).1.step == 1)
        let rows = try String(contentsOfFile: folder.metricsPath, encoding: .utf8).split(separator: "\n")
        let elapsed = try #require(rows[0].split(separator: ",").firstIndex(of: "elapsed_s"))
        #expect(Double(rows[1].split(separator: ",", omittingEmptySubsequences: false)[elapsed])! >= 120)
    }

    @Test func aRunWithoutABudgetWritesTheMetricsItAlwaysDid() throws {
        let folder = RunFolder(Tiny.folder("plain"))
        try TrainingRun.start(model: Tiny.model, training: Tiny.training(iterations: 1), dataset: Tiny.dataset, folder: folder, overwrite: true)
            .run { #expect($0.isLast) }
        let header = try String(contentsOfFile: folder.metricsPath, encoding: .utf8).split(separator: "\n")[0]
        #expect(header == MetricsLog.header + "," + MetricsLog.healthColumn)
    }

    @Test func aBudgetGivenOnResumeAddsTheElapsedColumnAndKeepsIt() throws {
        let folder = RunFolder(Tiny.folder("later"))
        let first = try TrainingRun.start(model: Tiny.model, training: Tiny.training(), dataset: Tiny.dataset, folder: folder, overwrite: true)
        try first.run(stopAfter: 2) { _ in }
        try first.writeCheckpoint()
        first.close()
        let timed = try TrainingRun.resume(folder: folder, extendTo: .iterations(3), minutes: 10) { _, _ in Tiny.dataset }
        try timed.run { _ in }
        timed.close()
        // Without a budget the column stays, empty where no clock ran.
        try TrainingRun.resume(folder: folder, extendTo: .iterations(4)) { _, _ in Tiny.dataset }.run { _ in }
        let rows = try String(contentsOfFile: folder.metricsPath, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let elapsed = try #require(rows[0].firstIndex(of: "elapsed_s"))
        #expect(rows.allSatisfy { $0.count == rows[0].count })
        #expect(rows.dropFirst().map { $0[elapsed].isEmpty } == [true, true, false, false])
        #expect(MetricsLog.coveredStep(path: folder.metricsPath) == 4)
    }

    static func config(_ run: String) throws -> TrainingConfig {
        try JSONDecoder().decode(CommandLineInputTests.TrainingRunConfig.self, from: Data(contentsOf: URL(fileURLWithPath: run + "/config.json"))).training
    }

    @Test func minutesEndARunByThemselvesAndResumeWithANewBudget() throws {
        let run = Tiny.folder("minutes") + "/run"
        let first = try CommandLineTests.run(["train", "--minutes", "0.02", "--out", run] + CommandLineTests.tinyTraining)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("for 0.02 minutes (bce loss, adam)"), "\(first.stdout)")
        #expect(first.stdout.contains("the time budget ran out at step"), "\(first.stdout)")
        var config = try Self.config(run)
        #expect(config.minutes == 0.02 && !config.hasStepLimit)
        let folder = RunFolder(run)
        let checkpoint = try #require(folder.latestCheckpoint())
        let step = try Checkpoint.load(path: checkpoint).1.step
        #expect(step >= 1 && FileManager.default.fileExists(atPath: folder.samplePath(step: step)))
        // Only time ends it, so a resume needs a new budget (or a step total).
        try CommandLineTests.expectFailure(["train", "--resume", run], mentions: "give --minutes for a new budget")
        let resumed = try CommandLineTests.run(["train", "--resume", run, "--minutes", "0.01"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resuming \(run) at step \(step); training for 0.01 minutes"), "\(resumed.stdout)")
        config = try Self.config(run)
        #expect(config.minutes == 0.01)
        let end = try Checkpoint.load(path: try #require(folder.latestCheckpoint())).1.step
        #expect(end > step)
        // Every step once, in order, each with the seconds since its process started.
        let lines = try String(contentsOfFile: folder.metricsPath, encoding: .utf8).split(separator: "\n")
        let elapsed = try #require(lines[0].split(separator: ",").firstIndex(of: "elapsed_s"))
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.map { Int($0[0])! } == Array(1...end))
        #expect(rows.allSatisfy { Double($0[elapsed]) != nil })
        // With a step total as well, whichever comes first ends the run: here the steps.
        let both = Tiny.folder("minutes") + "/both"
        try CommandLineTests.trainTiny(into: both, ["--minutes", "5"])
        #expect(try Self.config(both).minutes == 5)
        #expect(try Checkpoint.load(path: try #require(RunFolder(both).latestCheckpoint())).1.step == 2)
    }

    @Test func learningRatesOfEachNetworkAreRecordedAndPrinted() throws {
        let run = Tiny.folder("ttur") + "/run"
        let outcome = try CommandLineTests.run(["train", "--iterations", "1", "--optimizer", "rmsprop", "--lr-d", "0.0004", "--lr-g", "0.0001", "--out", run]
                                               + CommandLineTests.tinyTraining)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("learning rates: D 0.0004, G 0.0001"), "\(outcome.stdout)")
        let config = try Self.config(run)
        #expect(config.learningRateD == 4e-4 && config.learningRateG == 1e-4 && config.minutes == nil)
        // RMSprop's own pair, which --lr sets, says the same.
        #expect(config.rmspropLearningRateD == 4e-4 && config.rmspropLearningRateG == 1e-4)
        // Left out, they are left out of config.json too.
        let plain = Tiny.folder("ttur") + "/plain"
        try CommandLineTests.trainTiny(into: plain)
        let text = try String(contentsOfFile: plain + "/config.json", encoding: .utf8)
        #expect(!text.contains("learningRateD") && !text.contains("minutes"))
    }
}
