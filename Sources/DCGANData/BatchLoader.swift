import Foundation
import DCGANTensor

/// A batch of real data: images [N, C, H, W] in [-1, 1] and, for labelled data, the class of
/// each image (conditional GANs give it to both networks).
public struct LabeledBatch {
    /// The images, [N, C, H, W] in [-1, 1].
    public var images: Tensor
    /// The class of each image, for labelled data.
    public var labels: [Int]?

    /// A batch of `images` with optional `labels`.
    public init(images: Tensor, labels: [Int]? = nil) {
        self.images = images
        self.labels = labels
    }
}

/// Serves shuffled batches of a dataset from a background thread, a few batches ahead, so
/// that training does not wait on data.
///
/// The order is a pure function of the seed and the batch number: epoch e visits the images
/// in the permutation drawn from a generator seeded with (seed, e), and incomplete final
/// batches are dropped (every batch has the same shape, which BatchNorm and the buffers want).
/// A loader started at batch b therefore continues exactly where a run that stopped at b was.
///
/// In a data-parallel run each of `parts` processes loads part `part` of every batch: its
/// contiguous `batchSize / parts` positions of the same permutation, so that the processes
/// together see exactly the batches one process would.
public final class BatchLoader: @unchecked Sendable {
    /// The images batches are drawn from.
    public let dataset: ImageDataset
    /// Images per batch over all parts; the last incomplete batch of an epoch is dropped.
    public let batchSize: Int
    /// Seeds the order of every epoch (epoch e is shuffled from seed and e).
    public let seed: UInt64
    /// Which share of each batch this loader serves, of how many.
    public let part: Int, parts: Int
    /// Images per batch this loader serves.
    public var partSize: Int { batchSize / parts }
    /// Full batches per pass over the data.
    public var batchesPerEpoch: Int { dataset.count / batchSize }
    /// Seconds `next()` spent waiting for the background thread.
    public private(set) var waitSeconds = 0.0

    private let slots: [Tensor]
    /// The class indices of each slot's images (as floats, so that the two threads share
    /// plain storage, as they do the images); empty tensors for unlabelled data.
    private let labelSlots: [Tensor]
    private let filled = DispatchSemaphore(value: 0)
    private let free: DispatchSemaphore
    private var handedOut: Int?
    private var nextSlotToRead = 0
    private let stopLock = NSLock()
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    /// Starts serving at batch number `startBatch` (counted from the first batch of epoch 0);
    /// `parts` must divide `batchSize`.
    public init(dataset: ImageDataset, batchSize: Int, seed: UInt64, startBatch: Int = 0, prefetch: Int = 3, part: Int = 0, parts: Int = 1) {
        precondition(batchSize >= 1 && dataset.count >= batchSize, "dataset smaller than one batch")
        precondition(parts >= 1 && (0..<parts).contains(part) && batchSize % parts == 0, "a batch of \(batchSize) does not split into \(parts) parts")
        self.dataset = dataset
        self.batchSize = batchSize
        self.seed = seed
        (self.part, self.parts) = (part, parts)
        let partSize = batchSize / parts
        slots = (0..<prefetch).map { _ in Tensor(zeros: [partSize, dataset.channels, dataset.height, dataset.width]) }
        labelSlots = (0..<prefetch).map { _ in Tensor(zeros: [dataset.labels == nil ? 0 : partSize]) }
        // Created at zero and raised: libdispatch traps when a semaphore is destroyed below
        // its initial value, which a loader stopped mid-run would be.
        free = DispatchSemaphore(value: 0)
        for _ in 0..<prefetch { free.signal() }
        let thread = Thread { [unowned self] in self.produce(from: startBatch) }
        thread.name = "dcgan.loader"
        thread.start()
    }

    /// The order of the images in epoch `epoch`.
    public func permutation(epoch: Int) -> [Int] {
        var rng = RandomGenerator(seed: seed ^ (UInt64(epoch + 1) &* 0x9E37_79B9_7F4A_7C15))
        return rng.permutation(dataset.count)
    }

    /// The next batch (this loader's part of it): images [partSize, C, H, W] in [-1, 1] (valid until the next call) and
    /// their labels when the dataset has them.
    public func next() -> LabeledBatch {
        if handedOut != nil { free.signal() }
        let start = DispatchTime.now().uptimeNanoseconds
        filled.wait()
        waitSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let slot = nextSlotToRead
        nextSlotToRead = (nextSlotToRead + 1) % slots.count
        handedOut = slot
        let labels = labelSlots[slot]
        return LabeledBatch(images: slots[slot], labels: labels.count == 0 ? nil : labels.buffer.map { Int($0) })
    }

    /// Stops the background thread; call before dropping the loader.
    public func stop() {
        stopLock.lock(); stopped = true; stopLock.unlock()
        free.signal()
        finished.wait()
    }

    private var isStopped: Bool { stopLock.lock(); defer { stopLock.unlock() }; return stopped }

    private func produce(from startBatch: Int) {
        var batch = startBatch
        var epoch = -1
        var order: [Int] = []
        var slot = 0
        while true {
            free.wait()
            if isStopped { break }
            let batchEpoch = batch / batchesPerEpoch
            if batchEpoch != epoch { epoch = batchEpoch; order = permutation(epoch: epoch) }
            let first = (batch % batchesPerEpoch) * batchSize + part * partSize
            let indices = order[first..<(first + partSize)]
            dataset.fillBatch(slots[slot], indices: indices)
            if let labels = dataset.labels {
                for (position, index) in indices.enumerated() { labelSlots[slot][position] = Float(labels[index]) }
            }
            slot = (slot + 1) % slots.count
            batch += 1
            filled.signal()
        }
        finished.signal()
    }
}
