import CDCGANZlib
import DCGANLayers
import DCGANTensor

extension GANTrainer {
    /// Makes this trainer one replica of a data-parallel run over `communicator`'s processes:
    /// each step, the gradients of the network being updated are averaged over the processes
    /// before the optimiser's step (so every replica takes the same step), and the reported
    /// metrics are those of the whole batch. With `syncBatchNorm`, BatchNorm's training
    /// statistics (and their gradients) also cover the whole batch; otherwise each process
    /// normalises with its own share's, as PyTorch's DistributedDataParallel does by default.
    public func distribute(over communicator: Communicator, syncBatchNorm: Bool) {
        self.communicator = communicator
        guard communicator.size > 1 else { return }
        gradientAverages = [GradientAverage(generator.parameters), GradientAverage(discriminator.parameters)]
        guard syncBatchNorm else { return }
        for layer in Self.batchNormLayers(generator) + Self.batchNormLayers(discriminator) {
            layer.crossProcessSum = { communicator.sum($0) }
        }
    }

    /// Runs `body` with every BatchNorm layer normalising with this process's own batch:
    /// for images that one process makes alone (sample grids), which no other process joins.
    func withLocalBatchNorm<T>(_ body: () -> T) -> T {
        let layers = Self.batchNormLayers(generator) + Self.batchNormLayers(discriminator)
        let sums = layers.map(\.crossProcessSum)
        layers.forEach { $0.crossProcessSum = nil }
        defer { for (layer, sum) in zip(layers, sums) { layer.crossProcessSum = sum } }
        return body()
    }

    private static func batchNormLayers(_ layer: Layer) -> [BatchNorm] {
        if let sequential = layer as? Sequential { return sequential.layers.flatMap(batchNormLayers) }
        return (layer as? BatchNorm).map { [$0] } ?? []
    }

    /// A fingerprint of both networks' weights (CRC-32 of G's and of D's parameters), for
    /// checking that the replicas have not drifted apart.
    public var replicaHash: UInt64 {
        func crc(_ parameters: [Parameter]) -> UInt64 {
            var value = crc32(0, nil, 0)
            for p in parameters {
                value = p.value.pointer.withMemoryRebound(to: UInt8.self, capacity: p.value.count * 4) {
                    crc32(value, $0, UInt32(p.value.count * 4))
                }
            }
            return UInt64(value)
        }
        return crc(generator.parameters) << 32 | crc(discriminator.parameters)
    }

    /// Replaces the gradients of `network` (0: G, 1: D) with their average over the processes.
    func averageGradients(ofNetwork network: Int) {
        guard communicator.size > 1 else { return }
        gradientAverages[network].apply(over: communicator)
    }

    /// Fills `z` (this process's rows) from the noise of the whole batch: every process draws
    /// all of it from the same stream and keeps its own rows, so the processes together use
    /// exactly the noise one process would, and their streams stay in step.
    func fillLatent(_ z: Tensor) {
        guard communicator.size > 1 else { return latent.fill(z, rng: &noiseRNG) }
        let all = latent.sample(count: z.shape[0] * communicator.size, rng: &noiseRNG)
        let offset = communicator.rank * z.count
        for i in 0..<z.count { z[i] = all[offset + i] }
    }

    /// The metrics of the whole batch: the mean of the processes' (equal-sized shares').
    func globalMetrics(_ local: StepMetrics) -> StepMetrics {
        guard communicator.size > 1 else { return local }
        var values = [local.lossD, local.lossG, local.dReal, local.dFakeBefore, local.dFakeAfter]
        values.withUnsafeMutableBufferPointer { communicator.sum($0) }
        let mean = values.map { $0 / Float(communicator.size) }
        return StepMetrics(lossD: mean[0], lossG: mean[1], dReal: mean[2], dFakeBefore: mean[3], dFakeAfter: mean[4])
    }
}

/// The replicas of a data-parallel run no longer hold the same weights (a fault the averaging
/// cannot make: different binaries, libraries or hardware on different machines).
public struct ReplicaMismatchError: Error, CustomStringConvertible {
    /// The step whose checkpoint found the difference.
    public let step: Int
    /// How many processes the run had.
    public let processes: Int
    public var description: String {
        "the weights of the \(processes) processes differ at step \(step); stopping (run the same build and libraries on every machine)"
    }
}

/// Averages a network's gradients over the processes in one all-reduce of one flat buffer
/// (one message per step per network, rather than one per tensor).
final class GradientAverage {
    private let parameters: [Parameter]
    private var flat: [Float]

    init(_ parameters: [Parameter]) {
        self.parameters = parameters
        flat = [Float](repeating: 0, count: parameters.reduce(0) { $0 + $1.gradient.count })
    }

    func apply(over communicator: Communicator) {
        let scale = 1 / Float(communicator.size)
        flat.withUnsafeMutableBufferPointer { flat in
            var offset = 0
            for p in parameters {
                (flat.baseAddress! + offset).update(from: p.gradient.pointer, count: p.gradient.count)
                offset += p.gradient.count
            }
            communicator.sum(flat)
            offset = 0
            for p in parameters {
                for i in 0..<p.gradient.count { p.gradient.pointer[i] = flat[offset + i] * scale }
                offset += p.gradient.count
            }
        }
    }
}
