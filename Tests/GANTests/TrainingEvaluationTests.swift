import DCGANKit
import Foundation
import Testing

/// `TrainingRun.evaluator`: called every `evaluateEvery` steps and at the end, its values in
/// `metrics.csv`'s extra columns and in the progress report; a resumed run keeps the columns.
@Suite struct TrainingEvaluationTests {
    @Test func evaluatorRunsOnItsStepsAndFillsItsColumns() throws {
        var training = Tiny.training(iterations: 5)
        training.evaluateEvery = 2
        let folder = RunFolder(Tiny.folder("evaluated"))
        let run = try TrainingRun.start(model: Tiny.model, training: training, dataset: Tiny.dataset, folder: folder, overwrite: true)
        var calls = 0
        run.evaluator = { trainer in
            calls += 1
            return zip(SampleScores.scalarNames, [1, 2, 3, 0.5, 0.25, Double(calls)]).map { ($0, $1) }
        }
        var reported: [Int: [String]] = [:]
        try run.run { progress in reported[progress.step] = progress.evaluation?.map(\.name) }
        #expect(calls == 3)  // steps 2, 4 and the last, 5
        #expect(reported.keys.sorted() == [2, 4, 5])  // steps without an evaluation report nil, which stores nothing
        #expect(reported[4]! == SampleScores.scalarNames)
        let rows = try Self.rowsBeforeHealth(folder)
        #expect(rows[0] == MetricsLog.header + "," + SampleScores.scalarNames.joined(separator: ","))
        #expect(rows[1].hasSuffix(",,,,,,") && rows[4].hasSuffix(",1,2,3,0.5,0.25,2") && rows[5].hasSuffix(",3"))
        // ... and TensorBoard gets them as scalars of the evaluated steps only.
        let eventFile = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.contains("tfevents") })
        let events = try DecodedEvent.read(path: folder.path + "/" + eventFile)
        let kid = events.flatMap { event in event.scalars.filter { $0.tag == "kid" }.map { (event.step, $0.value) } }
        #expect(kid.map(\.0) == [2, 4, 5] && kid.allSatisfy { $0.1 == 2 })

        // Without evaluation the file keeps exactly its old columns (and the health column).
        let plain = RunFolder(Tiny.folder("plain"))
        try TrainingRun.start(model: Tiny.model, training: Tiny.training(iterations: 2), dataset: Tiny.dataset, folder: plain,
                              overwrite: true).run { _ in }
        #expect(try String(contentsOfFile: plain.metricsPath, encoding: .utf8).split(separator: "\n")[0] == MetricsLog.header + ",health")
    }

    @Test func aResumedRunKeepsEvaluating() throws {
        var training = Tiny.training(iterations: 6)
        training.evaluateEvery = 3
        let folder = RunFolder(Tiny.folder("evaluated-resume"))
        let first = try TrainingRun.start(model: Tiny.model, training: training, dataset: Tiny.dataset, folder: folder, overwrite: true)
        let constant: (GANTrainer) -> [(name: String, value: Double)] = { _ in SampleScores.scalarNames.map { ($0, 7) } }
        first.evaluator = constant
        try first.run(stopAfter: 3) { _ in }
        first.close()
        let resumed = try TrainingRun.resume(folder: folder) { _, _ in Tiny.dataset }
        #expect(resumed.training.evaluateEvery == 3)
        resumed.evaluator = constant
        try resumed.run { _ in }
        let rows = try Self.rowsBeforeHealth(folder)
        #expect(rows.count == 7 && rows[0].hasSuffix(",class_entropy"))
        #expect(rows[3].hasSuffix(",7,7,7,7,7,7") && rows[6].hasSuffix(",7,7,7,7,7,7") && rows[4].hasSuffix(",,,,,,"))
    }

    /// The lines of the run's metrics.csv without their last column, the health code (which
    /// the tiny model's samples of random pixels fill on their grid steps).
    private static func rowsBeforeHealth(_ folder: RunFolder) throws -> [String] {
        try String(contentsOfFile: folder.metricsPath, encoding: .utf8).split(separator: "\n")
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",") }
    }
}
