import DCGANKit
import DCGANTensor

/// What a run ended at: the mean losses and D outputs over its last steps (where the book
/// reads off its equilibrium: D near 0.5, the MSE loss near 0.25), and for models of tiny
/// outputs (the 1010 toy) a few generated patterns, in [0, 1] as the book prints them.
final class RunSummary {
    private let fixedWindow: Int?
    private var recent: [StepMetrics] = []
    private var seen = 0
    /// The steps averaged: a fixed count, or the last tenth of those seen (the window only
    /// grows, so the steps it needs are still held).
    private var window: Int { fixedWindow ?? max(1, seen / 10) }

    /// Averages the last `window` steps; nil (a run that only its time budget ends) the last tenth.
    init(window: Int?) { fixedWindow = window }

    func add(_ metrics: StepMetrics) {
        seen += 1
        recent.append(metrics)
        if recent.count > 2 * window { recent.removeFirst(recent.count - window) }
    }

    func print(run: TrainingRun) {
        let last = recent.suffix(window)
        guard !last.isEmpty else { return }
        func mean(_ value: (StepMetrics) -> Float) -> Float { last.reduce(0) { $0 + value($1) } / Float(last.count) }
        Swift.print(String(format: "last %d steps: loss D %.4f  G %.4f  D(x) %.3f  D(G(z)) %.3f", last.count,
                           mean(\.lossD), mean(\.lossG), mean(\.dReal), mean(\.dFakeBefore)))
        guard run.model.sampleShape.reduce(1, *) <= 16 else { return }
        var rng = RandomGenerator(seed: 1)
        let images = run.trainer.generate(run.trainer.latent.sample(count: 4, rng: &rng))
        let size = run.model.sampleShape.reduce(1, *)
        for n in 0..<4 {
            let values = (0..<size).map { String(format: "%.2f", Double((images[n * size + $0] + 1) / 2)) }
            Swift.print("generated pattern: " + values.joined(separator: " "))
        }
    }
}
