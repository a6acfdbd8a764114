import DCGANKit
import Foundation
import Testing

/// `dcgan train --recipe`: paper changes nothing, improved sets its settings and records itself,
/// and options given beside it win.
@Suite struct RecipeTests {
    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test func paperRecipeIsTheDefaultBitForBit() throws {
        let root = Tiny.folder("recipe")
        try CommandLineTests.trainTiny(into: root + "/default", ["--threads", "1"])
        try CommandLineTests.trainTiny(into: root + "/paper", ["--threads", "1", "--recipe", "paper"])
        let (plain, paper) = (RunFolder(root + "/default"), RunFolder(root + "/paper"))
        let checkpoints = try (#require(plain.latestCheckpoint()), #require(paper.latestCheckpoint()))
        #expect(try Self.bytes(checkpoints.0) == Self.bytes(checkpoints.1))
        #expect(try TimeBudgetTests.config(plain.path) == TimeBudgetTests.config(paper.path))
        #expect(try TimeBudgetTests.config(paper.path).recipe == nil)
    }

    @Test func improvedRecipeSetsItsSettingsAndOptionsOverrideThem() throws {
        let root = Tiny.folder("recipe-improved")
        // The tiny options without their batch size, so that the recipe's applies.
        var tiny = CommandLineTests.tinyTraining
        tiny.removeSubrange(tiny.firstIndex(of: "--batch-size")!...tiny.firstIndex(of: "--batch-size")! + 1)
        let run = try CommandLineTests.run(["train", "--iterations", "2", "--out", root + "/improved", "--recipe", "improved"] + tiny)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("recipe improved: \(Recipe.improvedSummary)"), "\(run.stdout)")
        var expected = TrainingConfig()
        try Recipe.improved.apply(to: &expected, architecture: .dcgan)
        let improved = try TimeBudgetTests.config(root + "/improved")
        #expect(improved.recipe == "improved")
        #expect(improved.batchSize == expected.batchSize && improved.generatorEMA == nil)
        #expect(improved.learningRateD == expected.learningRateD && improved.learningRateG == expected.learningRateG)
        #expect(improved.batchSize != TrainingConfig().batchSize, "the recipe changes the batch size")
        // Options given beside the recipe win over it.
        try CommandLineTests.trainTiny(into: root + "/override", ["--recipe", "improved", "--g-ema", "0.9", "--lr-d", "1e-3"])
        let overridden = try TimeBudgetTests.config(root + "/override")
        #expect(overridden.batchSize == 8 && overridden.generatorEMA == 0.9 && overridden.learningRateD == 1e-3)
    }

    @Test func recipesAreRefusedWhereTheyDoNotApply() throws {
        let root = Tiny.folder("recipe-refused")
        try CommandLineTests.expectFailure(["train", "--recipe", "fast", "--out", root + "/a"] + CommandLineTests.tinyTraining,
                                           mentions: "unknown recipe 'fast' (paper or improved)", mustNotExist: root + "/a")
        try CommandLineTests.expectFailure(["train", "--recipe", "improved", "--model", "mlp", "--out", root + "/b", "--dataset", "fake"],
                                           mentions: "--recipe improved was measured on the dcgan model only", mustNotExist: root + "/b")
        try CommandLineTests.trainTiny(into: root + "/c")
        try CommandLineTests.expectFailure(["train", "--resume", root + "/c", "--recipe", "improved"],
                                           mentions: "--recipe starts a new run")
    }
}
