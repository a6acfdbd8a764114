import DCGANLayers
import DCGANTensor
import DCGANData
import Foundation

/// What a configuration needs in memory, worked out from its shape alone, so that one that
/// cannot fit is refused with both numbers before anything is allocated rather than killed by
/// the kernel halfway (`require`). `dcgan bench` prints it beside the measured peak.
///
/// The parts follow what the engine keeps: every parameter has a value and a gradient; Adam
/// keeps two moments per parameter, RMSprop one; every layer keeps its output between the
/// passes (activations run in place), and each network's input gradients share two buffers of
/// its largest layer input (`GradientArena`); a convolution keeps
/// its column matrix, for as many samples as fit 48 Mi floats (`samplesPerChunk`), and the
/// transposed ones an 8 MiB chunk, except the layers Winograd's path takes, which share one
/// scratch (`WinogradFootprint`); generated images are held as floats and bytes. (The data
/// a run trains on is checked by the loaders, `DatasetCatalog`, as they allocate it.)
public struct MemoryEstimate: Sendable, Equatable {
    /// Weights, their gradients and BatchNorm's statistics of both networks.
    public var parameters: Double
    /// The optimisers' moments.
    public var optimizerState: Double
    /// Layer outputs and input gradients at the batch size.
    public var activations: Double
    /// Convolutions' column matrices.
    public var workspaces: Double
    /// The generated images held in memory.
    public var data: Double

    /// All parts together, in bytes.
    public var total: Double { parameters + optimizerState + activations + workspaces + data }

    /// What is still to be allocated once a trainer is loaded: activations, workspaces, data.
    public var beyondTrainer: MemoryEstimate {
        MemoryEstimate(parameters: 0, optimizerState: 0, activations: activations, workspaces: workspaces, data: data)
    }

    /// A training run of `model` at `batchSize` with `optimizer` (its data is checked as it is loaded).
    public static func training(model: ModelConfig, batchSize: Int, optimizer: TrainingConfig.OptimizerKind) -> MemoryEstimate {
        let layers = ModelShape(model)
        let weights = layers.generatorParameters + layers.discriminatorParameters
        let moments: Double = switch optimizer { case .adam: 2; case .rmsprop: 1; case .sgd: 0 }
        let n = Double(batchSize)
        // Forward outputs of both networks (D's serve real and fake in turn), and each network's
        // two shared input-gradient buffers.
        let activations = n * (layers.generatorActivations + layers.discriminatorActivations
            + 2 * (layers.generatorLargest + layers.discriminatorLargest))
        return MemoryEstimate(parameters: 4 * (2 * weights + layers.statistics), optimizerState: 4 * moments * weights,
                              activations: 4 * activations, workspaces: 4 * layers.workspaceFloats(batch: n, training: true),
                              data: 0)
    }

    /// What building a trainer for `model` allocates before it sees a batch: both networks'
    /// parameters, gradients and statistics, and the optimisers' moments.
    public static func trainer(model: ModelConfig, optimizer: TrainingConfig.OptimizerKind) -> Double {
        generation(model: model, batchSize: 0, count: 0, optimizer: optimizer).total
    }

    /// Generating `count` images in batches of `batchSize` with `model`'s generator, keeping the
    /// images as floats and bytes. The whole trainer is loaded (a checkpoint holds both networks
    /// and `optimizer`'s state), but only G's forward pass runs.
    public static func generation(model: ModelConfig, batchSize: Int, count: Int, optimizer: TrainingConfig.OptimizerKind) -> MemoryEstimate {
        let layers = ModelShape(model)
        let stored = training(model: model, batchSize: 0, optimizer: optimizer)
        let n = Double(batchSize)
        return MemoryEstimate(parameters: stored.parameters, optimizerState: stored.optimizerState,
                              activations: 4 * n * layers.generatorActivations, workspaces: 4 * layers.workspaceFloats(batch: n, training: false),
                              data: 5 * Double(count) * layers.imageFloats)
    }

    /// Throws a one-line refusal naming `what`, the estimate and the memory available, when
    /// the estimate exceeds what `SystemMemory.available()` reports.
    public func require(for what: String) throws {
        if let refusal = SystemMemory.shortfall(total, for: what) { throw ConfigError(refusal) }
    }
}

/// The layer sizes of a `ModelConfig`'s networks, counted from the configuration (in Double,
/// so that no width can overflow) without building them.
struct ModelShape {
    var generatorParameters = 0.0, discriminatorParameters = 0.0
    /// BatchNorm's running means and variances.
    var statistics = 0.0
    /// Elements per sample of every layer output (convolution, normalisation, label join).
    var generatorActivations = 0.0, discriminatorActivations = 0.0
    /// Elements per sample of the largest tensor a layer takes, and so of the largest input
    /// gradient of each network.
    var generatorLargest = 0.0, discriminatorLargest = 0.0
    var imageFloats = 0.0
    /// Per convolution: (column floats per sample, whether transposed, and its channels when
    /// the Winograd path takes it).
    var convolutions: [(columns: Double, transposed: Bool, winograd: (Int, Int)?)] = []

    init(_ model: ModelConfig) {
        let extra = Double(model.classes), c = Double(model.channels), side = Double(model.imageSize)
        imageFloats = c * side * side
        switch model.architecture {
        case .dcgan:
            guard let (base, doublings) = model.ladder else { return }
            let b = Double(base)
            // G: nz -> base x base x widths[0], then each transposed convolution doubles the side.
            let widths = (0..<doublings).map { Double(model.ngf) * pow(2, Double(doublings - 1 - $0)) } + [c]
            var size = b
            generatorParameters = (Double(model.nz) + extra) * widths[0] * b * b
            generatorActivations = (Double(model.nz) + extra) + widths[0] * size * size * 2
            generatorLargest = max(Double(model.nz) + extra, widths[0] * size * size)
            convolutions.append(((Double(model.nz) + extra) * b * b, true, nil))
            for i in 1..<widths.count {
                let input = (widths[i - 1] + extra) * size * size
                size *= 2
                generatorParameters += (widths[i - 1] + extra) * widths[i] * 16
                let isLast = i == widths.count - 1
                generatorActivations += input * (extra > 0 ? 1 : 0) + widths[i] * size * size * (isLast ? 1 : 2)
                generatorLargest = max(generatorLargest, input, widths[i] * size * size)
                convolutions.append(((widths[i - 1] + extra) * 16 * (size / 2) * (size / 2), true,
                                     winograd(Int(widths[i - 1] + extra), Int(widths[i]))))
            }
            let gNorm = widths.dropLast().reduce(0, +)
            // D: halves the side while doubling channels, then one logit from base x base.
            let dWidths = [c] + (0..<doublings).map { Double(model.ndf) * pow(2, Double($0)) }
            size = side
            for i in 1..<dWidths.count {
                let input = (dWidths[i - 1] + extra) * size * size
                size /= 2
                discriminatorParameters += (dWidths[i - 1] + extra) * dWidths[i] * 16
                discriminatorActivations += input * (extra > 0 ? 1 : 0) + dWidths[i] * size * size * (i > 1 ? 2 : 1)
                discriminatorLargest = max(discriminatorLargest, input, dWidths[i] * size * size)
                convolutions.append(((dWidths[i - 1] + extra) * 16 * size * size, false,
                                     winograd(Int(dWidths[i - 1] + extra), Int(dWidths[i]))))
            }
            discriminatorParameters += (dWidths.last! + extra) * b * b
            discriminatorActivations += 1
            let dNorm = dWidths.dropFirst(2).reduce(0, +)
            let affine: Double = model.batchNormAffine ? 2 : 0
            generatorParameters += affine * gNorm
            discriminatorParameters += affine * dNorm
            statistics = 2 * (gNorm + dNorm)
        case .kerasCIFAR10, .upsampleELU, .cntkMNIST:
            // Fixed, small networks: counted from the built layers rather than by formula.
            let (generator, discriminator, _) = ModelZoo.networks(for: model)
            (generatorParameters, generatorActivations, generatorLargest) = count(generator, input: model.latentShape)
            (discriminatorParameters, discriminatorActivations, discriminatorLargest) = count(discriminator, input: model.sampleShape)
        case .mlp, .toy1010:
            let pixels = model.architecture == .toy1010 ? 4 : imageFloats, h = Double(model.hidden), z = Double(model.nz)
            generatorParameters = (z + extra + 1) * h + (h + 1) * pixels + 2 * h
            discriminatorParameters = (pixels + extra + 1) * h + h + 1 + 2 * h
            generatorActivations = z + extra + 3 * h + 2 * pixels
            discriminatorActivations = pixels + extra + 3 * h + 1
            generatorLargest = max(z + extra, h, pixels)
            discriminatorLargest = max(pixels + extra, h)
        }
    }

    /// Parameters, per-sample output floats and the largest per-sample tensor a layer takes of
    /// `network` fed [1] + `input`, adding its
    /// BatchNorm statistics to `statistics` and its convolutions' column matrices to
    /// `convolutions` (the input's columns for a transposed one, as for the DCGAN).
    private mutating func count(_ network: Sequential, input: [Int]) -> (parameters: Double, activations: Double, largest: Double) {
        var shape = [1] + input, activations = Double(input.reduce(1, *)), largest = 0.0
        for layer in network.layers {
            guard let next = layer.outputShape(for: shape) else { break }
            largest = max(largest, Double(shape.dropFirst().reduce(1, *)))
            switch layer {
            case let conv as Conv2d:
                // The narrow path's padded planes (a few KiB per thread) stand in for the columns.
                let narrow = NarrowFootprint.applies(conv.geometry, inChannels: shape[1], outChannels: next[1])
                let columns = narrow ? 0 : Double(shape[1] * conv.geometry.kernel * conv.geometry.kernel * next[2] * next[3])
                convolutions.append((columns, false, conv.geometry.isDCGANStep ? winograd(shape[1], next[1]) : nil))
            case let conv as ConvTranspose2d:
                convolutions.append((Double(shape[1] * conv.geometry.kernel * conv.geometry.kernel * shape[2] * shape[3]), true,
                                     conv.geometry.isDCGANStep ? winograd(shape[1], next[1]) : nil))
            case let norm as BatchNorm:
                statistics += Double(2 * norm.runningMean.count)
            default: break
            }
            if !(layer is Reshape) { activations += 2 * Double(next.dropFirst().reduce(1, *)) }
            shape = next
        }
        return (Double(network.parameters.reduce(0) { $0 + $1.value.count }), activations, largest)
    }

    /// The channels of a kernel-4, stride-2, padding-1 layer if the Winograd path takes it.
    private func winograd(_ inChannels: Int, _ outChannels: Int) -> (Int, Int)? {
        WinogradFootprint.applies(inChannels: inChannels, outChannels: outChannels) ? (inChannels, outChannels) : nil
    }

    /// Floats of the convolutions' column matrices at batch `n`: a plain convolution keeps
    /// the columns of as many samples as fit 48 Mi floats (and, training, reuses them for the
    /// weight gradient); a transposed one makes them in chunks of at most 2 Mi floats. Layers
    /// on the Winograd path make none and share one scratch, as large as the largest needs; those
    /// on the narrow path make none.
    func workspaceFloats(batch n: Double, training: Bool) -> Double {
        let columns = convolutions.reduce(0) { sum, layer in
            guard (training || layer.transposed) && layer.winograd == nil else { return sum }
            let whole = layer.columns * n
            return sum + (layer.transposed ? min(whole, Double(2 << 20)) : min(whole, max(layer.columns, Double(48 << 20))))
        }
        let winograd = convolutions.filter { n > 0 && (training || $0.transposed) }.compactMap(\.winograd).map {
            WinogradFootprint.scratchFloats(inChannels: $0.0, outChannels: $0.1)
        }
        return columns + (winograd.max() ?? 0)
    }
}
