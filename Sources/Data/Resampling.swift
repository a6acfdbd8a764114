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
        let (sourcePlane, targetPlane) = (height * width, size * size)
        var result = [UInt8](repeating: 0, count: planes * targetPlane)
        pixels.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                let source = UncheckedSendable(source.baseAddress!), target = UncheckedSendable(target.baseAddress!)
                Parallelism.forEachChunk(planes, costPerItem: 4 * targetPlane) { range in
                    // Rows are resampled first, into floats, so rounding happens once.
                    var rows = [Float](repeating: 0, count: height * size)
                    for plane in range {
                        let image = source.value + plane * sourcePlane
                        for y in 0..<height {
                            for x in 0..<size {
                                var sum: Float = 0
                                for tap in across.taps[x] { sum += tap.weight * Float(image[y * width + tap.index]) }
                                rows[y * size + x] = sum
                            }
                        }
                        let output = target.value + plane * targetPlane
                        for y in 0..<size {
                            for x in 0..<size {
                                var sum: Float = 0
                                for tap in down.taps[y] { sum += tap.weight * rows[tap.index * size + x] }
                                output[y * size + x] = UInt8(min(max(sum.rounded(), 0), 255))
                            }
                        }
                    }
                }
            }
        }
        return ImageDataset(count: count, channels: channels, height: size, width: size, pixels: result, labels: labels)
    }
}

/// For each output position along one axis, the source positions it reads and their weights
/// (which sum to 1).
struct ResamplingTaps {
    struct Tap {
        var index: Int
        var weight: Float
    }
    let taps: [[Tap]]

    init(from input: Int, to output: Int) {
        let scale = Double(input) / Double(output)
        taps = (0..<output).map { o in
            if output < input {
                // Box filter: every source pixel overlapping [o, o+1) * scale, by overlap.
                let low = Double(o) * scale, high = Double(o + 1) * scale
                return (Int(low.rounded(.down)) ..< min(Int(high.rounded(.up)), input)).compactMap { i in
                    let overlap = min(high, Double(i + 1)) - max(low, Double(i))
                    return overlap > 0 ? Tap(index: i, weight: Float(overlap / scale)) : nil
                }
            }
            // Bilinear between pixel centres (half-pixel convention), clamped at the edges.
            let position = min(max((Double(o) + 0.5) * scale - 0.5, 0), Double(input - 1))
            let first = Int(position.rounded(.down))
            let fraction = Float(position - Double(first))
            return [Tap(index: first, weight: 1 - fraction), Tap(index: min(first + 1, input - 1), weight: fraction)]
        }
    }
}
