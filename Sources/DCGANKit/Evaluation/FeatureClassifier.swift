import DCGANData
import Foundation
import DCGANLayers
import DCGANTensor

/// A small convolutional classifier whose penultimate activations are the features that
/// sample quality is scored on (a Fréchet distance, as FID does with Inception features).
/// It is trained by this engine on the labelled training images, once, and saved.
///
/// Architecture for C x S x S images: conv 3x3 (32) BN ReLU, conv 4x4/2 (64) BN ReLU,
/// conv 4x4/2 (128) BN ReLU, linear to 128 features + ReLU, linear to the classes.
public final class FeatureClassifier {
    public static let featureDimension = 128
    public static let magic = Array("DCGANCLS".utf8)
    public static let formatVersion: UInt32 = 1

    public struct Header: Codable, Equatable {
        public var imageSize: Int
        public var channels: Int
        public var classes: Int
        /// Accuracy on held-out images measured after training.
        public var testAccuracy: Double
        var tensors: [TensorArchive.Entry]
    }

    public let imageSize: Int, channels: Int, classes: Int
    public private(set) var testAccuracy = 0.0
    let features: Sequential
    let head: Linear

    public init(imageSize: Int, channels: Int, classes: Int) {
        precondition(imageSize % 4 == 0, "the classifier needs a size divisible by 4")
        self.imageSize = imageSize
        self.channels = channels
        self.classes = classes
        let reduced = imageSize / 4
        features = Sequential([
            Conv2d(channels, 32, kernel: 3, stride: 1, padding: 1, bias: false), BatchNorm(32), Activation(.relu, inPlace: true),
            Conv2d(32, 64, kernel: 4, stride: 2, padding: 1, bias: false), BatchNorm(64), Activation(.relu, inPlace: true),
            Conv2d(64, 128, kernel: 4, stride: 2, padding: 1, bias: false), BatchNorm(128), Activation(.relu, inPlace: true),
            Reshape([128 * reduced * reduced]),
            Linear(128 * reduced * reduced, Self.featureDimension), Activation(.relu, inPlace: true),
        ])
        head = Linear(Self.featureDimension, classes)
    }

    private var parameters: [Parameter] { features.parameters + head.parameters }
    private var tensors: [(String, Tensor)] {
        parameters.enumerated().map { ("param\($0.offset).\($0.element.name)", $0.element.value) }
            + features.buffers.map { ($0.name, $0.tensor) }
    }

    /// Trains on the labelled `dataset` with Adam and softmax cross-entropy, then measures
    /// accuracy on `test`. `report(epoch, meanLoss)` is called after each epoch.
    public func train(on dataset: ImageDataset, test: ImageDataset, epochs: Int, batchSize: Int = 128, seed: UInt64,
                      report: (Int, Float) -> Void) {
        guard let labels = dataset.labels else { preconditionFailure("the classifier needs labelled images") }
        var rng = RandomGenerator(seed: seed)
        Initializer.dcgan(parameters, rng: &rng)
        for p in parameters where p.role == .weight {
            // He-style scale: the DCGAN's 0.02 is too small for a deep ReLU classifier.
            let fanIn = p.value.count / p.value.shape[0]
            rng.fillNormal(p.value, std: (2 / Float(fanIn)).squareRoot())
        }
        let optimizer = Adam(parameters, learningRate: 1e-3, beta1: 0.9, beta2: 0.999)
        let batch = Tensor(zeros: [batchSize, channels, imageSize, imageSize])
        let gradient = Tensor(zeros: [batchSize, classes])
        setTraining(true)
        for epoch in 0..<epochs {
            let order = rng.permutation(dataset.count)
            var total: Float = 0
            let steps = dataset.count / batchSize
            for step in 0..<steps {
                let indices = order[(step * batchSize)..<((step + 1) * batchSize)]
                dataset.fillBatch(batch, indices: indices)
                let logits = head.forward(features.forward(batch))
                total += LossKernel.softmaxCrossEntropy(logits: logits, labels: indices.map { labels[$0] }, gradient: gradient)
                features.zeroGradients()
                head.zeroGradients()
                features.backward(head.backward(gradient), inputGradientNeeded: false)
                optimizer.step()
            }
            report(epoch + 1, total / Float(max(steps, 1)))
        }
        setTraining(false)
        testAccuracy = accuracy(on: test)
    }

    private func setTraining(_ training: Bool) {
        features.setTraining(training)
        head.setTraining(training)
    }

    /// Fraction of `dataset` classified correctly.
    public func accuracy(on dataset: ImageDataset) -> Double {
        guard let labels = dataset.labels else { return 0 }
        var correct = 0
        forEachBatch(count: dataset.count, fill: { dataset.fillBatch($0, indices: $1) }) { range, features in
            let logits = head.forward(features)
            for (row, index) in range.enumerated() {
                var best = 0
                for j in 1..<classes where logits[row * classes + j] > logits[row * classes + best] { best = j }
                if best == labels[index] { correct += 1 }
            }
        }
        return Double(correct) / Double(dataset.count)
    }

    /// Feature statistics of a set of images given as a fill function over index ranges.
    public func statistics(count: Int, fill: (Tensor, Range<Int>) -> Void) -> GaussianStatistics {
        var all = [Float]()
        all.reserveCapacity(count * Self.featureDimension)
        forEachBatch(count: count, fill: fill) { _, features in all += features.buffer }
        return GaussianStatistics(features: all, count: count, dimension: Self.featureDimension)
    }

    /// The `featureDimension` features of each of `count` images, row-major (for nearest
    /// neighbours in feature space).
    public func featureVectors(count: Int, fill: (Tensor, Range<Int>) -> Void) -> [Float] {
        var all = [Float]()
        all.reserveCapacity(count * Self.featureDimension)
        forEachBatch(count: count, fill: fill) { _, features in all += features.buffer }
        return all
    }

    /// Runs the feature network in evaluation mode over `count` images in batches of 250.
    private func forEachBatch(count: Int, fill: (Tensor, Range<Int>) -> Void, body: (Range<Int>, Tensor) -> Void) {
        setTraining(false)
        for start in stride(from: 0, to: count, by: 250) {
            let range = start..<min(start + 250, count)
            let batch = Tensor(zeros: [range.count, channels, imageSize, imageSize])
            fill(batch, range)
            body(range, features.forward(batch))
        }
    }

    /// The classifier file's bytes (`TensorArchive` with the `DCGANCLS` magic).
    public func encode() throws -> [UInt8] {
        let header = Header(imageSize: imageSize, channels: channels, classes: classes, testAccuracy: testAccuracy,
                            tensors: tensors.map { TensorArchive.Entry(name: $0.0, shape: $0.1.shape) })
        return try TensorArchive.encode(magic: Self.magic, version: Self.formatVersion, header: header, tensors: tensors)
    }

    /// Loads a classifier saved by `encode`.
    public static func load(path: String) throws -> FeatureClassifier {
        let archive = try TensorArchive.open(path: path, magic: magic, version: formatVersion, kind: "classifier") { (h: Header) in h.tensors }
        let header = archive.header
        guard header.imageSize >= 4, header.imageSize % 4 == 0, header.imageSize <= 1024, [1, 3].contains(header.channels),
              (2...1000).contains(header.classes) else {
            throw DataError(path: path, "classifier header is not valid")
        }
        let classifier = FeatureClassifier(imageSize: header.imageSize, channels: header.channels, classes: header.classes)
        guard classifier.tensors.map({ TensorArchive.Entry(name: $0.0, shape: $0.1.shape) }) == header.tensors else {
            throw DataError(path: path, "classifier tensors do not match its architecture")
        }
        try archive.read(into: classifier.tensors.map(\.1))
        classifier.testAccuracy = header.testAccuracy
        return classifier
    }
}
