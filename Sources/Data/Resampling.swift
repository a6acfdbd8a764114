import Tensor

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
        let across = ResamplingTaps(from: width, to: size)
        let down = ResamplingTaps(from: height, to: size)
        let planes = count * channels
        let (height, width) = (height, width)
        var result = [UInt8](repeating: 0, count: planes * size * size)
        pixels.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                let source = UncheckedSendable(source.baseAddress!), target = UncheckedSendable(target.baseAddress!)
                Parallelism.forEachChunk(planes, costPerItem: 4 * size * size) { range in
                    // Rows are resampled first, into floats, so rounding happens once.
                    var rows = [Float](repeating: 0, count: height * size)
                    var line = [Float](repeating: 0, count: size)
                    for plane in range {
                        let image = source.value + plane * height * width
                        for y in 0..<height {
                            for x in 0..<size {
                                var sum: Float = 0
                                for t in across.taps(x) { sum += across.weight[t] * Float(image[y * width + across.source[t]]) }
                                rows[y * size + x] = sum
                            }
                        }
                        let output = target.value + plane * size * size
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
        }
        return ImageDataset(count: count, channels: channels, height: size, width: size, pixels: result, labels: labels)
    }
}

/// For each output position along one axis, the source positions it reads and their weights
/// (which sum to 1), stored flat so the inner loops index plain arrays.
struct ResamplingTaps {
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
