import DCGANTensor

/// Differentiable augmentation (Zhao et al. 2020, "DiffAugment"): random translations and
/// cutouts of images [N, C, H, W] on their way into D, with the adjoint backward so that G's
/// gradient flows back through them. Both operations are linear in the pixels.
///
/// Every forward pass draws new parameters for each image from `rng` (the run's own stream);
/// backward applies the adjoint of the last forward's draws. DiffAugment's ratios: shifts of
/// up to round(H/8) rows and round(W/8) columns, zero-filled; a zeroed box of round(H/2) x
/// round(W/2) pixels centred anywhere in the image (clipped at its border).
public final class DiffAugment: Layer {
    /// The operations, applied in the order listed.
    public enum Operation: String, CaseIterable, Sendable {
        /// Shift by a random whole number of pixels in each direction, filling with zeros.
        case translation
        /// Zero a random box half the image's side.
        case cutout
    }

    /// What one image's augmentation drew.
    public struct Draw: Equatable, Sendable {
        /// The output pixel (h, w) is the input's (h + shiftRows, w + shiftColumns), 0 outside.
        public var shiftRows = 0, shiftColumns = 0
        /// The zeroed box's first row and column (may lie before the image: the box is clipped).
        public var cutoutTop = 0, cutoutLeft = 0
        /// The zeroed box's size; 0 when cutout is off.
        public var cutoutHeight = 0, cutoutWidth = 0

        /// A draw; the defaults change nothing.
        public init(shiftRows: Int = 0, shiftColumns: Int = 0, cutoutTop: Int = 0, cutoutLeft: Int = 0, cutoutHeight: Int = 0, cutoutWidth: Int = 0) {
            (self.shiftRows, self.shiftColumns) = (shiftRows, shiftColumns)
            (self.cutoutTop, self.cutoutLeft, self.cutoutHeight, self.cutoutWidth) = (cutoutTop, cutoutLeft, cutoutHeight, cutoutWidth)
        }
    }

    /// The operations this layer applies.
    public let operations: [Operation]
    /// Where the draws come from; saved with the trainer's state so that a resumed run continues the stream.
    public var rng: RandomGenerator
    /// The last forward pass's draws, one per image.
    public private(set) var draws: [Draw] = []
    /// This process's part of a batch split over several (data-parallel training): its index
    /// and the number of processes. Every process draws for the whole batch from the same
    /// stream and keeps the draws of its own images, so that the processes' images are
    /// augmented as one process would augment the whole batch, and their streams stay in step.
    public var share = (process: 0, processes: 1)
    private var output = ReusableTensor(), inputGradient = ReusableTensor()

    /// A layer applying `operations` with parameters drawn from `rng`.
    public init(_ operations: [Operation], rng: RandomGenerator) {
        self.operations = operations
        self.rng = rng
    }

    /// The operations a comma-separated list names ("translation,cutout"), or nil with the
    /// first unknown name.
    public static func operations(named list: String) -> Result<[Operation], UnknownName> {
        var operations: [Operation] = []
        for name in list.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            guard let operation = Operation(rawValue: name) else { return .failure(UnknownName(name: name)) }
            if !operations.contains(operation) { operations.append(operation) }
        }
        return .success(operations)
    }

    /// A name that is not one of `Operation`'s.
    public struct UnknownName: Error, Equatable {
        /// The name as given.
        public let name: String
    }

    /// New draws for `count` images of `height` x `width`.
    private func draw(count: Int, height: Int, width: Int) -> [Draw] {
        var draws = Array(repeating: Draw(), count: count)
        for operation in operations {
            for index in 0..<count {
                switch operation {
                case .translation:
                    let (rows, columns) = ((height + 4) / 8, (width + 4) / 8)  // round(side * 0.125)
                    draws[index].shiftRows = Int.random(in: -rows...rows, using: &rng)
                    draws[index].shiftColumns = Int.random(in: -columns...columns, using: &rng)
                case .cutout:
                    let (boxHeight, boxWidth) = ((height + 1) / 2, (width + 1) / 2)  // round(side * 0.5)
                    // DiffAugment's centre range: [0, side + 1 - box % 2).
                    let centreRow = Int.random(in: 0..<(height + 1 - boxHeight % 2), using: &rng)
                    let centreColumn = Int.random(in: 0..<(width + 1 - boxWidth % 2), using: &rng)
                    draws[index].cutoutTop = centreRow - boxHeight / 2
                    draws[index].cutoutLeft = centreColumn - boxWidth / 2
                    (draws[index].cutoutHeight, draws[index].cutoutWidth) = (boxHeight, boxWidth)
                }
            }
        }
        return draws
    }

    public func forward(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4, "DiffAugment: images must be [N, C, H, W], not \(input.shape)")
        let count = input.shape[0], first = share.process * count
        draws = Array(draw(count: count * share.processes, height: input.shape[2], width: input.shape[3])[first..<first + count])
        return apply(input, draws: draws)
    }

    /// `input` augmented with the given draws (one per image), in the layer's output buffer.
    public func apply(_ input: Tensor, draws: [Draw]) -> Tensor {
        precondition(draws.count == input.shape[0], "DiffAugment: \(draws.count) draws for \(input.shape[0]) images")
        let y = output.get(input.shape)
        Self.transform(input, into: y, draws: draws, adjoint: false)
        return y
    }

    public func backward(_ outputGradient: Tensor, inputGradientNeeded: Bool) -> Tensor {
        guard inputGradientNeeded else { return outputGradient }
        let dx = inputGradient.inputGradient(outputGradient.shape, outputGradient: outputGradient)
        Self.transform(outputGradient, into: dx, draws: draws, adjoint: true)
        return dx
    }

    public func outputShape(for inputShape: [Int]) -> [Int]? { inputShape.count == 4 ? inputShape : nil }

    /// The shift then the cutout mask (forward), or the mask then the shift back (adjoint).
    /// The mask is its own adjoint; the shift's adjoint moves each pixel back where it came from.
    private static func transform(_ source: Tensor, into target: Tensor, draws: [Draw], adjoint: Bool) {
        let (channels, height, width) = (source.shape[1], source.shape[2], source.shape[3])
        let plane = height * width
        for (image, draw) in draws.enumerated() {
            let rowsOut = draw.cutoutTop..<(draw.cutoutTop + draw.cutoutHeight)
            let columnsOut = draw.cutoutLeft..<(draw.cutoutLeft + draw.cutoutWidth)
            for channel in 0..<channels {
                let offset = (image * channels + channel) * plane
                let x = source.pointer + offset, y = target.pointer + offset
                for h in 0..<height {
                    for w in 0..<width {
                        // Forward: y(h, w) = mask(h, w) x(h + dr, w + dc). Adjoint: dx(h, w) =
                        // mask(h - dr, w - dc) dy(h - dr, w - dc).
                        let (dr, dc) = adjoint ? (-draw.shiftRows, -draw.shiftColumns) : (draw.shiftRows, draw.shiftColumns)
                        let (fromRow, fromColumn) = (h + dr, w + dc)
                        let maskRow = adjoint ? fromRow : h, maskColumn = adjoint ? fromColumn : w
                        let inside = (0..<height).contains(fromRow) && (0..<width).contains(fromColumn)
                        let masked = rowsOut.contains(maskRow) && columnsOut.contains(maskColumn)
                        y[h * width + w] = inside && !masked ? x[fromRow * width + fromColumn] : 0
                    }
                }
            }
        }
    }
}
