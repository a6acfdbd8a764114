import CDCGANKernels

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

    /// Kernel 4, stride 2, padding 1 (any output padding): the DCGAN's step that halves or
    /// doubles the side, which the Winograd path takes.
    public var isDCGANStep: Bool { kernel == 4 && stride == 2 && padding == 1 }
}

/// Unfolds and folds image patches: the bridge between convolution and matrix products.
///
/// The column matrix has one row per (channel, ki, kj) and one column per (sample, oh, ow),
/// `columnStride` elements apart, with the samples of a chunk side by side.
enum Patches {
    /// The C kernels' description of an unfold or fold.
    static func shape(samples: Int, channels: Int, height: Int, width: Int, geometry g: ConvGeometry,
                      outHeight: Int, outWidth: Int) -> ck_patch_shape {
        ck_patch_shape(samples: Int32(samples), channels: Int32(channels), height: Int32(height), width: Int32(width),
                       kernel: Int32(g.kernel), stride: Int32(g.stride), padding: Int32(g.padding),
                       out_height: Int32(outHeight), out_width: Int32(outWidth))
    }

    /// col[(c,ki,kj), n*P + (oh*Wo+ow)] = image[n, c, oh*s-p+ki, ow*s-p+kj] (0 outside), split
    /// over the threads by rows unless `serial` (`ck_unfold`).
    static func unfold(image: UnsafePointer<Float>, samples: Int, channels: Int, height: Int, width: Int,
                       geometry g: ConvGeometry, outHeight: Int, outWidth: Int,
                       columns: UnsafeMutablePointer<Float>, serial: Bool = false) {
        let shape = shape(samples: samples, channels: channels, height: height, width: width, geometry: g,
                          outHeight: outHeight, outWidth: outWidth)
        let image = UncheckedSendable(image), columns = UncheckedSendable(columns)
        Parallelism.forEachChunk(channels * g.kernel * g.kernel, costPerItem: samples * outHeight * outWidth,
                                 serial: serial) { rows in
            withUnsafePointer(to: shape) { ck_unfold(image.value, $0, columns.value, rows.lowerBound, rows.upperBound) }
        }
    }

    /// The adjoint of `unfold`: image[n, c, ih, iw] += every column entry that came from it.
    /// The image is not cleared first. Split over the threads by channel (disjoint parts of the
    /// image) unless `serial` (`ck_fold`).
    static func fold(columns: UnsafePointer<Float>, samples: Int, channels: Int, height: Int, width: Int,
                     geometry g: ConvGeometry, outHeight: Int, outWidth: Int,
                     image: UnsafeMutablePointer<Float>, serial: Bool = false) {
        let shape = shape(samples: samples, channels: channels, height: height, width: width, geometry: g,
                          outHeight: outHeight, outWidth: outWidth)
        let image = UncheckedSendable(image), columns = UncheckedSendable(columns)
        Parallelism.forEachChunk(channels, costPerItem: g.kernel * g.kernel * samples * outHeight * outWidth,
                                 serial: serial) { channelRange in
            withUnsafePointer(to: shape) {
                ck_fold(columns.value, $0, image.value, Int32(channelRange.lowerBound), Int32(channelRange.upperBound))
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
