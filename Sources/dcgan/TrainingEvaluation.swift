import DCGANData
import DCGANKit
import DCGANTensor

/// What `dcgan train --eval-every` scores with: the classifier and reference images of the
/// run's own dataset (as `dcgan evaluate` finds them), and a fixed set of latent vectors so
/// that successive scores differ only by the generator.
struct TrainingEvaluation {
    /// KID subsets per evaluation: a tenth of `dcgan evaluate`'s, to keep evaluations cheap.
    /// Each holds half the samples: subsets as large as the sets would all be the same sets,
    /// and their spread 0.
    static let kidSubsets = 10

    let scorer: SampleScorer
    let samples: Int
    let labels: [Int]?
    let seed: UInt64

    /// Loads the classifier from `classifier` (default: the cache's file for the run's data) or
    /// trains it there now, and prepares the reference images: done before the run folder is
    /// made, so that data that cannot be scored leaves nothing behind.
    init(training: TrainingConfig, model: ModelConfig, classifier path: String?) throws {
        let shape = model.sampleShape
        samples = training.evaluationSamples ?? TrainingConfig.defaultEvaluationSamples
        let data = try ScoringData.load(dataset: training.dataset, root: training.dataRoot, imageSize: shape[2], channels: shape[0],
                                        options: try training.datasetOptions())
        let classifier = try ClassifierCache.loadOrTrain(path: path ?? ClassifierCache.defaultPath(for: data.provenance), provenance: data.provenance,
                                                         train: data.classifierTraining, test: data.classifierTest) { print($0) }
        scorer = SampleScorer(classifier: classifier, reference: data.reference, referenceDescription: data.referenceDescription,
                              referenceLimit: samples, kidSubsetSize: max(2, samples / 2), kidSubsets: Self.kidSubsets)
        labels = model.isConditional ? (0..<samples).map { $0 % model.classes } : nil
        seed = training.seed &+ 0xE7A1
        print("scoring \(samples) samples every \(training.evaluateEvery ?? 0) iterations against \(scorer.referenceCount) images of the \(data.referenceDescription)")
    }

    /// The closure for `TrainingRun.evaluator`.
    func evaluator(for trainer: GANTrainer) -> (GANTrainer) -> [(name: String, value: Double)] {
        let z = SampleExport.latent(trainer, count: samples, seed: seed)
        return { [scorer, labels] trainer in
            let images = SampleExport.generate(trainer, z: z, labels: labels, batchStatistics: false)
            return scorer.score(SampleExport.dataset(images, labels: labels)).scalars
        }
    }
}
