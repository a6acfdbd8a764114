import Foundation
import DCGANKit

/// Shows training progress: one live line on a terminal, a plain line every N steps in a log.
final class ProgressDisplay {
    private let interactive = isatty(STDOUT_FILENO) != 0
    private let logEvery: Int
    private var drewLine = false
    private var lastDraw = 0.0

    init(logEvery: Int) { self.logEvery = logEvery }

    func show(_ p: TrainingProgress) {
        let m = p.metrics
        let steps = p.totalSteps < TrainingConfig.untilTimeIsUp ? "\(p.step)/\(p.totalSteps)" : "\(p.step)"
        let text = String(format: "epoch %d  step %@  loss D %.4f  G %.4f  D(x) %.3f  D(G(z)) %.3f/%.3f  %.0f img/s  %@ left",
                          p.epoch, steps, m.lossD, m.lossG, m.dReal, m.dFakeBefore, m.dFakeAfter,
                          p.imagesPerSecond, Self.duration(p.secondsLeft))
        if interactive {
            let now = Date().timeIntervalSince1970
            guard now - lastDraw > 0.1 || p.isLast else { return }
            lastDraw = now
            print("\r\u{1B}[K" + text, terminator: "")
            fflush(nil)
            drewLine = true
        } else if p.step % logEvery == 0 || p.isLast {
            print(text)
            fflush(nil)
        }
        if !p.healthChanges.isEmpty {
            // Lines of their own that stay, above the live line, once when a condition starts or clears.
            finish()
            for change in p.healthChanges { print("step \(p.step) " + change.line) }
            fflush(nil)
        }
        if let scores = p.evaluation {
            // A line of its own that stays, above the live line.
            finish()
            print("step \(p.step) scores: " + scores.map { "\($0.name) " + String(format: "%.4g", $0.value) }.joined(separator: "  "))
            fflush(nil)
        }
    }

    /// Ends the live line so that later output starts on a fresh line.
    func finish() {
        if drewLine { print("") }
        drewLine = false
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}
