import DCGANData
import DCGANTensor
import Foundation
import Testing
import DCGANKit

@Suite struct TrainingHealthTests {
    private static func step(lossD: Float = 1, lossG: Float = 1, dFake: Float = 0.3) -> StepMetrics {
        StepMetrics(lossD: lossD, lossG: lossG, dReal: 0.6, dFakeBefore: dFake, dFakeAfter: dFake)
    }

    @Test func dWinsStartsAfterAWindowOfLostStepsAndClearsWhenGRecovers() {
        var health = TrainingHealth(loss: .nonSaturating, totalSteps: 1000)
        #expect(health.window == 200)
        var started: [Int] = []
        for i in 1...250 {
            let changes = health.observe(Self.step(lossG: 6 + Float(i) / 100, dFake: 0.002))
            if changes.contains(where: { $0.condition == .dWins && $0.started }) { started.append(i) }
        }
        #expect(started == [200])
        #expect(health.code == "d-wins")
        #expect(health.stopReason?.hasPrefix("D wins outright (D(G(z)) below 0.01 for 200 steps") == true)
        var cleared: [Int] = []
        for i in 1...30 where health.observe(Self.step(dFake: 0.2)).contains(where: { $0.condition == .dWins && !$0.started }) { cleared.append(i) }
        #expect(cleared == [20])
        #expect(health.code == "" && health.stopReason == nil)
    }

    @Test func dWinsNeedsGsLossNotFallingAndTheCrossEntropyLoss() {
        var recovering = TrainingHealth(loss: .nonSaturating, totalSteps: 100)
        for i in 1...100 { _ = recovering.observe(Self.step(lossG: 9 - Float(i) / 50, dFake: 0.005)) }
        #expect(recovering.active.isEmpty)
        var lsgan = TrainingHealth(loss: .leastSquares, totalSteps: 100)
        for i in 1...100 { _ = lsgan.observe(Self.step(lossG: 6 + Float(i), dFake: 0.005)) }
        #expect(lsgan.active.isEmpty)
    }

    @Test func oscillationFiresOnUndampedSwingsNotOnSpikesAndClears() {
        var health = TrainingHealth(loss: .nonSaturating, totalSteps: 100)  // window 20
        #expect(health.window == 20)
        var fired: [Int] = []
        for i in 1...40 where health.observe(Self.step(lossD: i % 2 == 0 ? 0.1 : 2.5)).contains(where: { $0.started }) { fired.append(i) }
        #expect(fired == [20] && health.code == "oscillation")
        #expect(health.stopReason == nil, "oscillation only warns")
        var clearedAt: Int?
        for i in 1...20 where health.observe(Self.step(lossD: 0.8)).contains(where: { !$0.started }) { clearedAt = i }
        #expect(clearedAt == 5, "clears once the latest half of the window is half calm")
        // Isolated spikes in a steady loss are no oscillation.
        var spiky = TrainingHealth(loss: .nonSaturating, totalSteps: 100)
        for i in 1...100 { _ = spiky.observe(Self.step(lossD: i % 7 == 0 ? 3 : 0.3 + Float(i % 3) / 20)) }
        #expect(spiky.active.isEmpty)
        var wasserstein = TrainingHealth(loss: .wasserstein, totalSteps: 100)
        for i in 1...40 { _ = wasserstein.observe(Self.step(lossD: i % 2 == 0 ? -1 : 1)) }
        #expect(wasserstein.active.isEmpty)
    }

    @Test func collapseFollowsEachGridAndStops() {
        var health = TrainingHealth(loss: .leastSquares, totalSteps: 100)
        #expect(health.observeSamples(diversityRatio: 0.6).isEmpty)
        #expect(health.observeSamples(diversityRatio: .infinity).isEmpty && health.observeSamples(diversityRatio: .nan).isEmpty,
                "real images all alike give no yardstick")
        let started = health.observeSamples(diversityRatio: 0.08)
        #expect(started.map(\.line) == ["warning: collapse: diversity 0.08 of the real images'"])
        #expect(health.stopReason == "the fixed-noise samples collapsed (diversity 0.08 of the real images')")
        #expect(health.observeSamples(diversityRatio: 0.1).isEmpty, "warned once")
        #expect(health.observeSamples(diversityRatio: 0.3).map(\.started) == [false])
        #expect(health.code == "")
    }

    @Test func nonFiniteStepsAreLeftToTheDivergenceStop() {
        var health = TrainingHealth(loss: .nonSaturating, totalSteps: 50)
        for _ in 1...30 { #expect(health.observe(Self.step(lossD: .nan, dFake: 0)).isEmpty) }
        #expect(health.active.isEmpty)
    }

    /// The metrics of `dcgan train --epochs 3` on Fashion-MNIST (docs/EXPERIMENTS.md's
    /// fm-dcgan run, 1,404 steps): a healthy run, with the loss spikes healthy runs have.
    @Test func aHealthyRunRaisesNoWarning() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/healthy-fashion-mnist-metrics.csv").path
        let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Float($0)! } }
        #expect(rows.count == 1404)
        var health = TrainingHealth(loss: .nonSaturating, totalSteps: rows.count)
        for row in rows {
            let changes = health.observe(StepMetrics(lossD: row[0], lossG: row[1], dReal: 0.5, dFakeBefore: row[2], dFakeAfter: row[3]))
            #expect(changes.isEmpty, "\(changes.map(\.line))")
        }
    }

    @Test func diversityMatchesANaiveReference() {
        var rng = RandomGenerator(seed: 3)
        let images = Tensor(shape: [5, 3, 2, 3], values: (0..<90).map { _ in Float(rng.next() % 1000) / 500 - 1 })
        let size = 18
        var total = 0.0, pairs = 0
        for i in 0..<5 { for j in 0..<5 where i != j {
            let a = (0..<size).map { Double(images[i * size + $0]) }, b = (0..<size).map { Double(images[j * size + $0]) }
            total += zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() / Double(size).squareRoot()
            pairs += 1
        } }
        #expect(abs(SampleDiversity.meanPairwiseDistance(images) - total / Double(pairs)) < 1e-12)
        #expect(SampleDiversity.meanPairwiseDistance(Tensor(shape: [2, 4], values: [0, 0, 0, 0, 1, 1, 1, 1])) == 1)
        #expect(SampleDiversity.meanPairwiseDistance(Tensor(repeating: 0.3, shape: [4, 2, 3])) == 0)
    }

    /// A resumed run's monitor goes on from its log: the same conditions in force, and the
    /// same changes from there on as the monitor that saw every step (a D that keeps winning
    /// for 250 steps while the loss D swings, then recovers), and a collapse from the last
    /// row's health column.
    @Test func aResumedMonitorGoesOnFromTheLog() throws {
        let folder = Tiny.folder("health-resume")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/metrics.csv"
        let log = try MetricsLog(path: path)
        var whole = TrainingHealth(loss: .nonSaturating, totalSteps: 1000)
        for i in 1...250 {
            let metrics = Self.step(lossD: i % 2 == 0 ? 0.1 : 2.5, lossG: 6 + Float(i) / 100, dFake: 0.002)
            _ = whole.observe(metrics)
            try log.append(step: i, epoch: 0, metrics: metrics, imagesPerSecond: 1, waitFraction: 0, health: whole.code)
        }
        #expect(whole.code == "d-wins+oscillation")
        var resumed = TrainingHealth(loss: .nonSaturating, totalSteps: 1000)
        resumed.resume(fromLog: try String(contentsOfFile: path, encoding: .utf8), upTo: 250)
        #expect(resumed.active == whole.active && resumed.stopReason != nil)
        for i in 1...120 {
            let metrics = Self.step(lossD: 0.8, dFake: 0.2)
            #expect(resumed.observe(metrics) == whole.observe(metrics), "step \(250 + i)")
        }
        #expect(resumed.active.isEmpty && whole.active.isEmpty, "both cleared")
        // A collapse is read from the last row's code; rows past the step resumed at are not read.
        try log.append(step: 251, epoch: 0, metrics: Self.step(), imagesPerSecond: 1, waitFraction: 0, health: "collapse")
        try log.append(step: 252, epoch: 0, metrics: Self.step(), imagesPerSecond: 1, waitFraction: 0, health: "")
        var collapsed = TrainingHealth(loss: .nonSaturating, totalSteps: 1000)
        collapsed.resume(fromLog: try String(contentsOfFile: path, encoding: .utf8), upTo: 251)
        #expect(collapsed.active.contains(.collapse))
        #expect(collapsed.stopReason?.contains("in force at step 251") == true)
        var later = TrainingHealth(loss: .nonSaturating, totalSteps: 1000)
        later.resume(fromLog: try String(contentsOfFile: path, encoding: .utf8), upTo: 252)
        #expect(!later.active.contains(.collapse))
    }

    @Test func resumeKeepsRowsOfALogWrittenBeforeTheHealthColumn() throws {
        let folder = Tiny.folder("health-old-log")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/metrics.csv"
        let old = [MetricsLog.header, "1,0,1,1,0.5,0.5,0.5,10.0,0.0000", "2,0,1,1,0.5,0.5,0.5,10.0,0.0000", "3,0,1,1,0.5,0.5,0.5,10.0,0.0000"]
        try (old.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let log = try MetricsLog(path: path, resumingAt: 2)
        try log.append(step: 3, epoch: 0, metrics: TrainingHealthTests.step(), imagesPerSecond: 1, waitFraction: 0, health: "collapse")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == Substring(MetricsLog.header + ",health"))
        #expect(lines.dropFirst().prefix(2).allSatisfy { $0.hasSuffix("0.0000,") })
        #expect(lines.last?.hasSuffix(",collapse") == true)
        #expect(MetricsLog.coveredStep(path: path) == 3)
    }
}

/// Runs made to fail on purpose: a learning rate of 5 lets D win outright within a few dozen
/// steps of the tiny model, and G's samples collapse with it.
@Suite struct TrainingHealthCommandTests {
    private static let failing = CommandLineTests.tinyTraining.filter { $0 != "--sample-every" && $0 != "0" }
        + ["--iterations", "60", "--lr", "5", "--sample-every", "10", "--log-every", "10"]

    @Test func aFailingRunWarnsInItsLogAndMetrics() throws {
        let folder = Tiny.folder("health-warn")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let outcome = try CommandLineTests.run(["train", "--out", folder + "/run"] + Self.failing)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("warning: d-wins: D(G(z)) below 0.01"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("warning: collapse: diversity"), "\(outcome.stdout)")
        let rows = try String(contentsOfFile: folder + "/run/metrics.csv", encoding: .utf8).split(separator: "\n")
        #expect(rows.first?.hasSuffix(",health") == true)
        #expect(rows.first.map { $0.split(separator: ",").count } == rows.last.map { $0.split(separator: ",", omittingEmptySubsequences: false).count })
        #expect(rows.last?.hasSuffix(",d-wins+collapse") == true, "\(rows.last ?? "")")
        #expect(rows[1].hasSuffix(","), "healthy at the first step")
    }

    /// Resumed, the run keeps the conditions in force at its checkpoint from its first new
    /// step (a fresh monitor would need a window of steps and a sample grid to see them again).
    @Test func aResumedRunKeepsItsWarnings() throws {
        let folder = Tiny.folder("health-resume-run")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = folder + "/run"
        let first = try CommandLineTests.run(["train", "--out", run] + Self.failing)
        #expect(first.status == 0, "\(first.stderr)")
        let resumed = try CommandLineTests.run(["train", "--resume", run, "--iterations", "65"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let rows = try String(contentsOfFile: run + "/metrics.csv", encoding: .utf8).split(separator: "\n")
        let code = { (step: Int) in rows.first { $0.hasPrefix("\(step),") }?.split(separator: ",", omittingEmptySubsequences: false).last }
        #expect(code(60) == "d-wins+collapse")
        #expect(code(61) == code(60), "\(rows.suffix(6))")
    }

    @Test func stopOnCollapseEndsTheRunWithACheckpointAndAReason() throws {
        let folder = Tiny.folder("health-stop")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let outcome = try CommandLineTests.run(["train", "--out", folder + "/run", "--stop-on-collapse", "--checkpoint-every", "0"] + Self.failing)
        #expect(outcome.status == 3, "\(outcome.stdout) \(outcome.stderr)")
        let line = outcome.stdout.split(separator: "\n").first { $0.hasPrefix("stopped at step ") }
        let step = line.flatMap { Int($0.dropFirst("stopped at step ".count).prefix { $0.isNumber }) }
        #expect(line?.contains("D wins outright") == true || line?.contains("samples collapsed") == true, "\(outcome.stdout)")
        #expect(step.map { $0 < 60 } == true)
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: folder + "/run/checkpoints")
        #expect(checkpoints.map { Int($0.dropFirst("step-".count).dropLast(".dcgan".count)) } == [step])
        #expect(try String(contentsOfFile: folder + "/run/config.json", encoding: .utf8).contains("\"stopOnCollapse\" : true"))
    }
}
