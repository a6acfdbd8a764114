import DCGANData
import DCGANKit
import Foundation
import Testing

/// `dcgan evaluate` and `dcgan train --eval-every` on a small labelled image folder of a size
/// and channel count other than MNIST's (12x12 RGB), made here.
@Suite(.serialized) struct EvaluateCommandTests {
    /// A folder of `perClass` dark and as many bright 12x12 RGB PNGs, in class subfolders
    /// (`labelled`) or all at its top (unlabelled).
    static func imageFolder(perClass: Int, labelled: Bool = true, seed: UInt64 = 1) throws -> String {
        let root = Tiny.folder("eval-images")
        var state = seed
        for (index, name) in ["dark", "bright"].enumerated() {
            let folder = labelled ? root + "/" + name : root
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for i in 0..<perClass {
                let pixels = (0..<(12 * 12 * 3)).map { _ -> UInt8 in
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    return UInt8(index * 195) + UInt8(state >> 59)
                }
                let png = try PNGCodec.encode(pixels: pixels, width: 12, height: 12, channels: 3)
                try AtomicFile.write(png, to: folder + "/\(name)-\(i).png", overwrite: false)
            }
        }
        return root
    }

    private static func train(data: String, run: String, classifier: String, extra: [String]) throws -> CommandLineTests.Outcome {
        try CommandLineTests.run(["train", "--dataset", "folder", "--data-root", data, "--image-size", "12", "--channels", "3",
                                  "--nz", "8", "--ngf", "4", "--ndf", "4", "--batch-size", "8", "--sample-every", "0",
                                  "--classifier", classifier, "--out", run] + extra)
    }

    @Test func evalEveryWritesScoresAndEvaluateReportsEveryStatistic() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        let data = try Self.imageFolder(perClass: 24), out = Tiny.folder("eval-run")
        let run = out + "/run", classifier = out + "/classifier.dcgan"
        let trained = try Self.train(data: data, run: run, classifier: classifier,
                                     extra: ["--iterations", "3", "--eval-every", "2", "--eval-samples", "8"])
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stdout.contains("training the scoring classifier on 43 folder train 12x12x3 (data "), "\(trained.stdout)")
        #expect(trained.stdout.contains("scoring 8 samples every 2 iterations against 8 images of the folder train split (48 images)"))
        #expect(trained.stdout.contains("step 2 scores: frechet_distance ") && trained.stdout.contains("step 3 scores: frechet_distance "))
        #expect(!trained.stdout.contains("step 1 scores"))

        // Old columns first, in their order; scores on steps 2 and 3 (the last), empty on step 1; the health column last.
        let rows = try String(contentsOfFile: run + "/metrics.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows[0].joined(separator: ",") == MetricsLog.header + "," + SampleScores.scalarNames.joined(separator: ",") + ",health")
        #expect(rows.count == 4 && rows.allSatisfy { $0.count == rows[0].count })
        #expect(rows[1].suffix(7).allSatisfy { $0.isEmpty })
        for row in rows[2...3] {
            let scores = row.dropLast().suffix(6).map { Double($0) }
            #expect(scores.allSatisfy { $0 != nil && $0!.isFinite }, "\(row)")
            #expect((0...1).contains(scores[3]!) && (0...1).contains(scores[4]!) && (0...log(2.0) + 1e-9).contains(scores[5]!))
        }
        let config = try String(contentsOfFile: run + "/config.json", encoding: .utf8)
        #expect(config.contains("\"evaluateEvery\" : 2") && config.contains("\"evaluationSamples\" : 8"))

        // evaluate finds the run's dataset in its checkpoint and reuses the classifier.
        let outcome = try CommandLineTests.run(["evaluate", "--checkpoint", run, "--count", "20", "--kid-subset-size", "10",
                                                "--kid-subsets", "3", "--classifier", classifier])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(!outcome.stdout.contains("training the scoring classifier"))
        #expect(outcome.stdout.contains("reference: folder train split (48 images)"))
        #expect(outcome.stdout.contains("(3 subsets of 10)") && outcome.stdout.contains("k = 3 nearest neighbours"))
        #expect(outcome.stdout.contains("predicted classes: bright ") && outcome.stdout.contains("of at most 0.6931 (log 2)"))
        let json = try #require(outcome.stdout.split(separator: "\n").first { $0.hasPrefix("JSON ") }).dropFirst(5)
        let values = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        for key in SampleScores.scalarNames + ["reference_split", "reference_count", "class_counts"] { #expect(values[key] != nil, "\(key)") }
        #expect((values["class_counts"] as? [Int])?.reduce(0, +) == 20 && values["reference_split"] as? String == "train")
    }

    @Test func otherDataAndUnlabelledDataAreRefusedInOneLine() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandLineTests.tool) else { return }
        let data = try Self.imageFolder(perClass: 12), out = Tiny.folder("eval-refusals")
        let run = out + "/run", classifier = out + "/classifier.dcgan"
        #expect(try Self.train(data: data, run: run, classifier: classifier, extra: ["--iterations", "1", "--eval-every", "1", "--eval-samples", "4"]).status == 0)
        // Same folder name and shape, other images: the classifier's recorded data disagrees.
        let other = try Self.imageFolder(perClass: 12, seed: 2)
        try CommandLineTests.expectFailure(["evaluate", "--checkpoint", run, "--count", "8", "--dataset", "folder", "--data-root", other,
                                            "--classifier", classifier], mentions: "this classifier was trained on folder train 12x12x3")
        let unlabelled = try Self.imageFolder(perClass: 12, labelled: false)
        try CommandLineTests.expectFailure(["evaluate", "--checkpoint", run, "--count", "8", "--dataset", "folder", "--data-root", unlabelled],
                                           mentions: "have no labels")
        try CommandLineTests.expectFailure(["train", "--dataset", "folder", "--data-root", unlabelled, "--image-size", "12", "--channels", "3",
                                            "--eval-every", "1", "--iterations", "1", "--out", out + "/unlabelled"], mentions: "nothing can be scored",
                                           mustNotExist: out + "/unlabelled")
        try CommandLineTests.expectFailure(["evaluate", "--checkpoint", run, "--count", "3"], mentions: "must be an integer from 4")
    }
}
