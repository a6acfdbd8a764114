/// The shape of a 2-D convolution with a square kernel, in PyTorch's terms.
///
/// For `Conv2d`, `inChannels` are the image's channels and the output size is
/// `(size + 2*padding - kernel) / stride + 1`. `ConvTranspose2d` is the adjoint of the same
/// convolution, run from the small side to the large: its output size is
/// `(size - 1) * stride - 2*padding + kernel + outputPadding`.
public struct ConvGeometry: Sendable, Equatable, Codable {
    /// Side of the square kernel, in pixels.
    public var kernel: Int
    /// Step between kernel positions (for a transposed convolution: the upsampling factor).
    public var stride: Int
    /// Zero padding added to each border of the input (for a transposed convolution: cropped from the output).
    public var padding: Int
    /// Extra rows and columns a transposed convolution adds on one side to reach an odd output size.
    public var outputPadding: Int

    /// A geometry with PyTorch's defaults: stride 1, no padding.
    public init(kernel: Int, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0) {
        precondition(kernel >= 1 && stride >= 1 && padding >= 0, "invalid convolution geometry")
        precondition(outputPadding >= 0 && outputPadding < max(stride, 1) || outputPadding == 0,
                     "output padding must be smaller than the stride")
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
    }

    /// Output extent of the convolution along one axis (may be <= 0 for impossible inputs).
    /// The division floors, as PyTorch's does: Swift's `/` truncates towards zero, which would
    /// turn a kernel overhanging the padded input by less than a stride into one output.
    public func convOutput(_ size: Int) -> Int {
        let span = size + 2 * padding - kernel
        return span < 0 ? 0 : span / stride + 1
    }

    /// Output extent of the transposed convolution along one axis.
    public func transposedOutput(_ size: Int) -> Int { (size - 1) * stride - 2 * padding + kernel + outputPadding }
}

/// Unfolds and folds image patches: the bridge between convolution and matrix products.
///
/// The column matrix has one row per (channel, ki, kj) and one column per (sample, oh, ow),
/// `columnStride` elements apart, with the samples of a chunk side by side.
enum Patches {
    /// The output columns ow whose input column ow*s - p + kj lies inside 0..<width.
    @inline(__always)
    static func validRange(kernelOffset kj: Int, stride s: Int, padding p: Int, width: Int, outWidth: Int) -> Range<Int> {
        // ow*s >= p - kj  and  ow*s <= width - 1 + p - kj
        let low = max(0, (p - kj + s - 1) / s)
        let high = width - 1 + p - kj < 0 ? 0 : min(outWidth, (width - 1 + p - kj) / s + 1)
        return low..<max(low, high)
    }

    /// col[(c,ki,kj), n*P + (oh*Wo+ow)] = image[n, c, oh*s-p+ki, ow*s-p+kj] (0 outside).
    static func unfold(image: UnsafePointer<Float>, samples: Int, channels: Int, height: Int, width: Int,
                       geometry g: ConvGeometry, outHeight: Int, outWidth: Int,
                       columns: UnsafeMutablePointer<Float>, serial: Bool = false) {
        let positions = outHeight * outWidth
        let rowLength = samples * positions
        let kk = g.kernel * g.kernel
        let imageSize = height * width
        let image = UncheckedSendable(image), columns = UncheckedSendable(columns)
        Parallelism.forEachChunk(channels * kk, costPerItem: rowLength, serial: serial) { rows in
            for row in rows {
                let c = row / kk, ki = (row % kk) / g.kernel, kj = row % g.kernel
                let valid = validRange(kernelOffset: kj, stride: g.stride, padding: g.padding, width: width, outWidth: outWidth)
                let shift = kj - g.padding
                for n in 0..<samples {
                    let source = image.value + (n * channels + c) * imageSize
                    var target = columns.value + row * rowLength + n * positions
                    for oh in 0..<outHeight {
                        let ih = oh * g.stride - g.padding + ki
                        if ih < 0 || ih >= height || valid.isEmpty {
                            target.update(repeating: 0, count: outWidth)
                        } else {
                            let line = source + ih * width + shift
                            if valid.lowerBound > 0 { target.update(repeating: 0, count: valid.lowerBound) }
                            if g.stride == 1 {
                                (target + valid.lowerBound).update(from: line + valid.lowerBound, count: valid.count)
                            } else {
                                // Wrapping products: an overflow check per element would keep this
                                // gather from being unrolled (measured 5% of 64x64 training).
                                for ow in valid { target[ow] = line[ow &* g.stride] }
                            }
                            if valid.upperBound < outWidth { (target + valid.upperBound).update(repeating: 0, count: outWidth - valid.upperBound) }
                        }
                        target += outWidth
                    }
                }
            }
        }
    }

    /// The adjoint of `unfold`: image[n, c, ih, iw] += every column entry that came from it.
    /// The image is not cleared first.
    static func fold(columns: UnsafePointer<Float>, samples: Int, channels: Int, height: Int, width: Int,
                     geometry g: ConvGeometry, outHeight: Int, outWidth: Int,
                     image: UnsafeMutablePointer<Float>, serial: Bool = false) {
        let positions = outHeight * outWidth
        let rowLength = samples * positions
        let kk = g.kernel * g.kernel
        let imageSize = height * width
        let image = UncheckedSendable(image), columns = UncheckedSendable(columns)
        // Split by channel: different channels write disjoint parts of the image.
        Parallelism.forEachChunk(channels, costPerItem: kk * rowLength, serial: serial) { channelRange in
            for c in channelRange {
                for n in 0..<samples {
                    let target = image.value + (n * channels + c) * imageSize
                    for ki in 0..<g.kernel {
                        for kj in 0..<g.kernel {
                            let valid = validRange(kernelOffset: kj, stride: g.stride, padding: g.padding, width: width, outWidth: outWidth)
                            if valid.isEmpty { continue }
                            var source = columns.value + ((c * g.kernel + ki) * g.kernel + kj) * rowLength + n * positions
                            for oh in 0..<outHeight {
                                let ih = oh * g.stride - g.padding + ki
                                if ih >= 0 && ih < height {
                                    let line = target + ih * width + kj - g.padding
                                    if g.stride == 1 {
                                        for ow in valid { line[ow] += source[ow] }
                                    } else {
                                        for ow in valid { line[ow &* g.stride] += source[ow] }
                                    }
                                }
                                source += outWidth
                            }
                        }
                    }
                }
            }
        }
    }

    /// [n, c, p] (NCHW with P = H*W) -> [c, n*P]: channel-major, so a chunk of samples is one matrix.
    static func toChannelMajor(_ source: UnsafePointer<Float>, samples: Int, channels: Int, positions: Int,
                               _ target: UnsafeMutablePointer<Float>) {
        let source = UncheckedSendable(source), target = UncheckedSendable(target)
        Parallelism.forEachChunk(channels, costPerItem: samples * positions) { range in
            for c in range {
                for n in 0..<samples {
                    (target.value + (c * samples + n) * positions)
                        .update(from: source.value + (n * channels + c) * positions, count: positions)
                }
            }
        }
    }

    /// [c, n*P] -> [n, c, p], optionally adding a per-channel bias.
    static func fromChannelMajor(_ source: UnsafePointer<Float>, samples: Int, channels: Int, positions: Int,
                                 bias: UnsafePointer<Float>?, _ target: UnsafeMutablePointer<Float>) {
        let source = UncheckedSendable(source), target = UncheckedSendable(target), bias = UncheckedSendable(bias)
        Parallelism.forEachChunk(channels, costPerItem: samples * positions) { range in
            for c in range {
                let b = bias.value?[c] ?? 0
                for n in 0..<samples {
                    let from = source.value + (c * samples + n) * positions
                    let to = target.value + (n * channels + c) * positions
                    if b == 0 {
                        to.update(from: from, count: positions)
                    } else {
                        for p in 0..<positions { to[p] = from[p] + b }
                    }
                }
            }
        }
    }
}
