import DCGANData
import DCGANKit

/// What `dcgan train --eval-every` scores with: the classifier and reference images of the
/// run's own dataset (as `dcgan evaluate` finds them), and a fixed set of latent vectors so
/// that successive scores differ only by the generator.
enum TrainingEvaluation {
    /// KID subsets per evaluation: a tenth of `dcgan evaluate`'s, to keep evaluations cheap.
    static let kidSubsets = 10

    /// The evaluator to hand to `TrainingRun.evaluator` (loads or trains the classifier now).
    static func evaluator(for run: TrainingRun) throws -> (GANTrainer) -> [(name: String, value: Double)] {
        let training = run.training, shape = run.model.sampleShape
        let samples = training.evaluationSamples ?? TrainingConfig.defaultEvaluationSamples
        let data = try ScoringData.load(dataset: training.dataset, root: training.dataRoot, imageSize: shape[2], channels: shape[0],
                                        options: try training.datasetOptions())
        let classifier = try ClassifierCache.loadOrTrain(path: ClassifierCache.defaultPath(for: data.provenance), provenance: data.provenance,
                                                         train: data.classifierTraining, test: data.classifierTest) { print($0) }
        let scorer = SampleScorer(classifier: classifier, reference: data.reference, referenceDescription: data.referenceDescription,
                                  referenceLimit: samples, kidSubsetSize: KernelDistance.defaultSubsetSize, kidSubsets: kidSubsets)
        print("scoring \(samples) samples every \(training.evaluateEvery ?? 0) iterations against \(scorer.referenceCount) images of the \(data.referenceDescription)")
        let model = run.model
        let labels = model.isConditional ? (0..<samples).map { $0 % model.classes } : nil
        let z = SampleExport.latent(run.trainer, count: samples, seed: training.seed &+ 0xE7A1)
        return { trainer in
            let images = SampleExport.generate(trainer, z: z, labels: labels, batchStatistics: false)
            return scorer.score(SampleExport.dataset(images, labels: labels)).scalars
        }
    }
}
