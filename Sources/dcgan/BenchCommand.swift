import ArgumentParser
import Foundation
import DCGANData
import DCGANKit
import DCGANLayers
import DCGANTensor

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training or generation throughput on synthetic data.",
        discussion: "The last line is `JSON {...}` with img_per_s, s_per_iter, gflops and peak_rss_mib, like the PyTorch peer benchmark, "
            + "and peak_gflops: the fp32 FMA peak of --threads cores, measured before the run with a register-only loop of independent FMAs (share_of_peak = gflops / peak_gflops). "
            + "Under mpirun -np P, each process takes batch-size / P images of every step and averages gradients as `dcgan train` does; the rate is the job's.")

    @OptionGroup var modelOptions: ModelOptions
    @Option(parsing: .unconditional, help: "Images per batch.", transform: OptionRange.integer(1...OptionRange.maxImages))
    var batchSize = 64
    @Option(help: "What to time: train (one full D and G update) or generate (G forward only).")
    var mode = "train"
    @Option(parsing: .unconditional, help: "Keep timing until at least this many seconds have passed.", transform: OptionRange.real(0, 86_400))
    var seconds: Double = 10
    @Option(parsing: .unconditional, help: "Untimed iterations first.", transform: OptionRange.integer(0...OptionRange.maxSteps))
    var warmup = 3
    @Option(parsing: .unconditional, help: "Timed iterations at least.", transform: OptionRange.integer(1...OptionRange.maxSteps))
    var iters = 5
    @Flag(help: "Print a per-layer breakdown: milliseconds per iteration and GFLOP/s for each layer and pass.")
    var profile = false
    @OptionGroup var threadOptions: ThreadOptions
    @Flag(help: "Under mpirun: synchronised BatchNorm, as in dcgan train.")
    var syncBatchNorm = false

    func run() throws {
        try threadOptions.apply()
        let communicator = try DataParallelLaunch.communicator(timeout: 300)
        guard batchSize % communicator.size == 0 else {
            throw ConfigError("--batch-size \(batchSize) does not split evenly over \(communicator.size) processes")
        }
        let share = batchSize / communicator.size
        let model = try modelOptions.config(classes: modelOptions.conditional ? 10 : 0)
        guard mode == "train" || mode == "generate" else { throw ConfigError("--mode must be train or generate, not \(mode)") }
        var training = TrainingConfig()
        training.batchSize = batchSize
        training.iterations = 1
        training.noise = .normal
        // What the process holds before the networks exist (runtime, libraries), measured.
        let baseline = Double(SystemMemory.residentBytes() ?? 0)
        let estimate = mode == "train" ? MemoryEstimate.training(model: model, batchSize: batchSize, optimizer: training.optimizer)
            : MemoryEstimate.generation(model: model, batchSize: batchSize, count: 0, optimizer: training.optimizer)
        try estimate.require(for: "\(mode == "train" ? "training" : "generating") \(model.summary) at batch \(batchSize)")
        let trainer = try GANTrainer(model: model, training: training)
        trainer.distribute(over: communicator, syncBatchNorm: syncBatchNorm)
        var rng = RandomGenerator(seed: 7)
        let real = Tensor.uniform([share] + model.sampleShape, -1, 1, rng: &rng)
        let labels = model.isConditional ? (0..<share).map { $0 % model.classes } : nil
        let z = Tensor(zeros: [share] + model.latentShape)
        let step: () -> Void
        if mode == "train" {
            step = { _ = trainer.step { LabeledBatch(images: real, labels: labels) } }
        } else {
            trainer.generator.setTraining(false)
            step = {
                trainer.latent.fill(z, rng: &rng)
                _ = trainer.generate(z, labels: labels)
            }
        }
        // Measured before the networks run, on as many threads as they use, while the cores are idle.
        let peak = ProcessorPeak.measure(threads: threadOptions.threads)
        for _ in 0..<warmup { step() }
        LayerProfiler.isEnabled = profile
        var count = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            step()
            count += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            // Every process must stop after the same iteration: they decide on the mean time.
            if communicator.size > 1 {
                var mean = [elapsed / Double(communicator.size)]
                mean.withUnsafeMutableBufferPointer { communicator.sum($0) }
                elapsed = mean[0]
            }
        } while count < iters || elapsed < seconds
        LayerProfiler.isEnabled = false
        if profile { printProfile(iterations: count) }
        let flop = mode == "train" ? WorkCount.trainingFLOPs(model: model, batch: batchSize) : WorkCount.generationFLOPs(model: model, batch: batchSize)
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        let rss = Double(usage.ru_maxrss) / 1024
        let gflops = flop * Double(count) / elapsed / 1e9
        let result: [String: Any] = [
            "tool": "swift-dcgan", "mode": mode, "image_size": model.imageSize, "channels": model.channels, "batch": batchSize,
            "threads": threadOptions.threads, "iters": count, "warmup": warmup, "seconds": elapsed, "s_per_iter": elapsed / Double(count),
            "img_per_s": Double(batchSize * count) / elapsed, "gflop_per_iter": flop / 1e9,
            "gflops": gflops, "peak_rss_mib": rss, "peak_gflops": peak, "share_of_peak": peak > 0 ? gflops / peak : 0,
            "estimate_mib": (baseline + estimate.total) / 1048576, "processes": communicator.size,
            "parameters_g": trainer.generator.parameterCount, "parameters_d": trainer.discriminator.parameterCount,
        ]
        print(String(format: "images/s: %.2f  s/iter: %.4f  GFLOP/s: %.1f (%.0f%% of the %.0f GFLOP/s FMA peak of %d threads, %d-lane)  peak RSS: %.1f MiB  (%d timed iters, %.2f s)",
                     Double(batchSize * count) / elapsed, elapsed / Double(count), gflops, peak > 0 ? gflops / peak * 100 : 0, peak,
                     threadOptions.threads, ProcessorPeak.vectorWidth, rss, count, elapsed))
        print(String(format: "memory: estimated %.1f MiB (%.1f MiB at start + %.1f MiB for the configuration), measured peak %.1f MiB",
                     (baseline + estimate.total) / 1048576, baseline / 1048576, estimate.total / 1048576, rss))
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print("JSON " + String(decoding: json, as: UTF8.self))
        (communicator as? MPICommunicator)?.finish()
    }

    private func printProfile(iterations: Int) {
        let rows = LayerProfiler.report
        let total = rows.reduce(0) { $0 + $1.seconds }
        print("layer                          pass       ms/iter   GFLOP/s   share")
        for row in rows {
            let ms = row.seconds * 1000 / Double(iterations)
            let rate = row.flops > 0 ? String(format: "%9.1f", row.flops / row.seconds / 1e9) : "        -"
            let name = "\(row.network)\(row.index) \(row.layer)".padding(toLength: 30, withPad: " ", startingAt: 0)
            print(String(format: "%@ %@ %9.2f %@  %5.1f%%", name, row.pass.padding(toLength: 9, withPad: " ", startingAt: 0), ms, rate,
                         row.seconds / total * 100))
        }
        print(String(format: "layers total %.2f ms/iter", total * 1000 / Double(iterations)))
    }
}
