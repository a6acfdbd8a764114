import DCGANTensor

/// An exponential moving average of a network's parameters, kept in a second network of the
/// same architecture (the averaged generator of Karras et al. 2018 and Yazıcı et al. 2019):
/// after each update of the source, every averaged weight becomes `d * average + (1 - d) * weight`.
///
/// The decay `d` warms up as TensorFlow's `ExponentialMovingAverage` does with `num_updates`:
/// `d = min(decay, (1 + t) / (10 + t))` for the update that follows `t` earlier ones. A fixed
/// 0.999 would keep the average mostly the random initialisation for the first thousand
/// steps; with the warm-up it covers roughly the last tenth of the updates until that window
/// reaches the asked-for one (about 9,000 updates for 0.999). A bias-corrected average was not
/// chosen because it weighs the early, poor weights of a short run as much as the recent ones.
///
/// Buffers (BatchNorm's running statistics) are not averaged: they are copied from the source
/// after every update, so that the average uses the statistics the source last measured.
public final class WeightAverage {
    /// The asked-for decay, in (0, 1).
    public let decay: Float
    /// The network whose parameters are averaged.
    public let source: Layer
    /// The network holding the average.
    public let average: Layer
    /// Updates made so far (the warm-up depends on it; a checkpoint keeps it).
    public var updateCount = 0
    private let pairs: [(from: Tensor, to: Tensor)]
    private let bufferPairs: [(from: Tensor, to: Tensor)]

    /// An average of `source`'s parameters kept in `average`, a network of the same
    /// architecture, which starts as a copy of `source` (parameters and buffers).
    public init(of source: Layer, in average: Layer, decay: Float) {
        precondition(decay > 0 && decay < 1, "the decay of a weight average must be in (0, 1)")
        let (from, to) = (source.namedTensors, average.namedTensors)
        precondition(from.map(\.name) == to.map(\.name) && zip(from, to).allSatisfy { $0.tensor.shape == $1.tensor.shape },
                     "the averaged network must have the source's architecture")
        self.decay = decay
        self.source = source
        self.average = average
        pairs = zip(source.parameters, average.parameters).map { ($0.value, $1.value) }
        bufferPairs = zip(source.buffers, average.buffers).map { ($0.tensor, $1.tensor) }
        for (from, to) in pairs + bufferPairs { to.assign(from: from) }
    }

    /// The decay of the update that follows `earlierUpdates` others.
    public static func effectiveDecay(_ decay: Float, earlierUpdates t: Int) -> Float {
        min(decay, Float(1 + Double(t)) / Float(10 + Double(t)))
    }

    /// Folds the source's current parameters into the average and copies its buffers.
    public func update() {
        let d = Self.effectiveDecay(decay, earlierUpdates: updateCount)
        updateCount += 1
        for (from, to) in pairs {
            let tensors = UncheckedSendable((from.pointer, to.pointer))
            // Elementwise and memory-bound, as Adam's update: both cores for the big weight tensors.
            Parallelism.forEachChunk(from.count, costPerItem: 2) { range in
                let (w, a) = tensors.value
                for i in range { a[i] = d * a[i] + (1 - d) * w[i] }
            }
        }
        for (from, to) in bufferPairs { to.assign(from: from) }
    }
}
