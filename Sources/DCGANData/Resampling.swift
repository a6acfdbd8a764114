import DCGANTensor

extension ImageDataset {
    /// The same images resampled to `size` x `size` (each axis independently), labels kept.
    ///
    /// Shrinking averages the source area each output pixel covers (a box filter, so thin
    /// strokes fade instead of vanishing); enlarging interpolates bilinearly between pixel
    /// centres, as PIL and torchvision do. Both preserve constant images and the order of
    /// a gradient. Meant for load time (e.g. 28x28 MNIST to the 32 or 64 a DCGAN expects).
    public func resized(to size: Int) -> ImageDataset {
        precondition(size >= 1, "cannot resize to \(size)x\(size)")
        if size == height && size == width { return self }
        let resampler = PlaneResampler(width: width, height: height, to: size)
        let (planes, channels, plane) = (count * channels, channels, height * width)
        var result = [UInt8](repeating: 0, count: planes * size * size)
        storage.withBytes { base in
            result.withUnsafeMutableBufferPointer { target in
                let source = UncheckedSendable(base), target = UncheckedSendable(target.baseAddress!)
                Parallelism.forEachChunk(planes, costPerItem: 4 * size * size) { range in
                    var scratch = resampler.makeScratch()
                    for p in range {
                        let image = source.value + (storageIndex(p / channels) * channels + p % channels) * plane
                        resampler.resample(image, rowStride: width, into: target.value + p * size * size, scratch: &scratch)
                    }
                }
            }
        }
        return ImageDataset(count: count, channels: channels, height: size, width: size, pixels: result, labels: labels,
                            classNames: classNames)
    }
}

/// Resamples one 8-bit plane of `width` x `height` to `size` x `size`: box filter when
/// shrinking, bilinear when enlarging (see `ImageDataset.resized(to:)`).
struct PlaneResampler: Sendable {
    let width: Int
    let height: Int
    let size: Int
    private let across: ResamplingTaps
    private let down: ResamplingTaps

    init(width: Int, height: Int, to size: Int) {
        (self.width, self.height, self.size) = (width, height, size)
        across = ResamplingTaps(from: width, to: size)
        down = ResamplingTaps(from: height, to: size)
    }

    /// Working memory for `resample`, one per thread.
    func makeScratch() -> [Float] { [Float](repeating: 0, count: height * size + size) }

    /// Reads `height` rows of `width` bytes, `rowStride` apart, and writes size x size bytes.
    func resample(_ source: UnsafePointer<UInt8>, rowStride: Int, into output: UnsafeMutablePointer<UInt8>,
                  scratch: inout [Float]) {
        let (size, height) = (size, height)
        scratch.withUnsafeMutableBufferPointer { buffer in
            // Rows are resampled first, into floats, so rounding happens once.
            let rows = buffer.baseAddress!, line = rows + height * size
            for y in 0..<height {
                let row = source + y * rowStride
                for x in 0..<size {
                    var sum: Float = 0
                    for t in across.taps(x) { sum += across.weight[t] * Float(row[across.source[t]]) }
                    rows[y * size + x] = sum
                }
            }
            for y in 0..<size {
                for x in 0..<size { line[x] = 0 }
                for t in down.taps(y) {
                    let (row, weight) = (down.source[t] * size, down.weight[t])
                    for x in 0..<size { line[x] += weight * rows[row + x] }
                }
                for x in 0..<size { output[y * size + x] = UInt8(min(max(line[x].rounded(), 0), 255)) }
            }
        }
    }
}

/// For each output position along one axis, the source positions it reads and their weights
/// (which sum to 1), stored flat so the inner loops index plain arrays.
struct ResamplingTaps: Sendable {
    /// Taps of output `o` are `first[o] ..< first[o + 1]`.
    private(set) var first: [Int] = [0]
    private(set) var source: [Int] = []
    private(set) var weight: [Float] = []

    init(from input: Int, to output: Int) {
        let scale = Double(input) / Double(output)
        for o in 0..<output {
            if output < input {
                // Box filter: every source pixel overlapping [o, o+1) * scale, by overlap.
                let low = Double(o) * scale, high = Double(o + 1) * scale
                for i in Int(low.rounded(.down)) ..< min(Int(high.rounded(.up)), input) {
                    let overlap = min(high, Double(i + 1)) - max(low, Double(i))
                    if overlap > 0 { add(i, overlap / scale) }
                }
            } else {
                // Bilinear between pixel centres (half-pixel convention), clamped at the edges.
                let position = min(max((Double(o) + 0.5) * scale - 0.5, 0), Double(input - 1))
                let left = Int(position.rounded(.down))
                let fraction = position - Double(left)
                add(left, 1 - fraction)
                add(min(left + 1, input - 1), fraction)
            }
            first.append(source.count)
        }
    }

    func taps(_ output: Int) -> Range<Int> { first[output] ..< first[output + 1] }

    private mutating func add(_ index: Int, _ value: Double) {
        source.append(index)
        weight.append(Float(value))
    }
}
