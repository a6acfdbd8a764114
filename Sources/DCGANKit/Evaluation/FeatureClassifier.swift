import DCGANData
import Foundation
import DCGANLayers
import DCGANTensor

/// A small convolutional classifier whose penultimate activations are the features that
/// sample quality is scored on (Fréchet distance, KID, precision and recall, as FID does with
/// Inception features). It is trained by this engine on a dataset's labelled training images,
/// once, and saved with a record of what it was trained on (`Provenance`).
///
/// Architecture for C x S x S images (S divisible by 4) and width w: conv 3x3 (w) BN ReLU,
/// conv 4x4/2 (2w) BN ReLU, conv 4x4/2 (4w) BN ReLU, linear to 128 features + ReLU, linear
/// to the classes.
public final class FeatureClassifier {
    /// Length of the feature vector of each image.
    public static let featureDimension = 128
    /// Channels of the first convolution unless asked otherwise: 16 trains Fashion-MNIST to
    /// about 89% in two epochs (a minute on two cores), where 32 took four times as long.
    public static let defaultWidth = 16
    /// The first bytes of a classifier file.
    public static let magic = Array("DCGANCLS".utf8)
    /// Version 2 added the width and the provenance; version 1 files are refused.
    public static let formatVersion: UInt32 = 2

    /// What a classifier was trained on, saved in its file so that a classifier is never
    /// used to score images of another dataset, split, size or channel count.
    public struct Provenance: Codable, Equatable, Sendable, CustomStringConvertible {
        /// The dataset's catalogue name (`fashion-mnist`, `cifar10`, `folder`, ...).
        public var dataset: String
        /// The split the classifier was trained on.
        public var split: String
        /// Side of the square images.
        public var imageSize: Int
        /// Channels of the images.
        public var channels: Int
        /// `ImageDataset.fingerprint` of the training images: tells MNIST from Fashion-MNIST
        /// and one image folder from another, wherever they were read from.
        public var fingerprint: String

        /// A record of the given facts.
        public init(dataset: String, split: String, imageSize: Int, channels: Int, fingerprint: String) {
            (self.dataset, self.split, self.imageSize, self.channels, self.fingerprint) = (dataset, split, imageSize, channels, fingerprint)
        }

        /// Describes the training data of `dataset` (already resized and converted).
        public init(dataset: String, split: String, images: ImageDataset) {
            precondition(images.height == images.width, "the classifier takes square images")
            self.init(dataset: dataset, split: split, imageSize: images.height, channels: images.channels, fingerprint: images.fingerprint)
        }

        /// "fashion-mnist train 28x28x1 (data 1a2b3c4d)".
        public var description: String { "\(dataset) \(split) \(imageSize)x\(imageSize)x\(channels) (data \(fingerprint))" }

        /// A file name that records all of it: `fashion-mnist-train-28x28x1-1a2b3c4d.dcgan`.
        public var fileName: String { "\(dataset)-\(split)-\(imageSize)x\(imageSize)x\(channels)-\(fingerprint).dcgan" }
    }

    /// The JSON header of a classifier file.
    public struct Header: Codable, Equatable {
        /// Side of the square images.
        public var imageSize: Int
        /// Channels of the images.
        public var channels: Int
        /// Number of classes it predicts.
        public var classes: Int
        /// Channels of its first convolution.
        public var width: Int
        /// Accuracy on held-out images measured after training.
        public var testAccuracy: Double
        /// What it was trained on.
        public var provenance: Provenance
        var tensors: [TensorArchive.Entry]
    }

    /// Input shape (channels x imageSize x imageSize), number of classes, and channels of the first convolution.
    public let imageSize: Int, channels: Int, classes: Int, width: Int
    /// Accuracy measured by `train` on its test images (0 before training).
    public private(set) var testAccuracy = 0.0
    /// What the classifier was trained on; nil until `train` is given one or a file says it.
    public var provenance: Provenance?
    let features: Sequential
    let head: Linear

    /// An untrained classifier for `channels` x `imageSize` x `imageSize` images.
    public init(imageSize: Int, channels: Int, classes: Int, width: Int = defaultWidth) {
        precondition(imageSize % 4 == 0, "the classifier needs a size divisible by 4")
        self.imageSize = imageSize
        self.channels = channels
        self.classes = classes
        self.width = width
        let reduced = imageSize / 4
        features = Sequential([
            Conv2d(channels, width, kernel: 3, stride: 1, padding: 1, bias: false), BatchNorm(width), Activation(.relu, inPlace: true),
            Conv2d(width, 2 * width, kernel: 4, stride: 2, padding: 1, bias: false), BatchNorm(2 * width), Activation(.relu, inPlace: true),
            Conv2d(2 * width, 4 * width, kernel: 4, stride: 2, padding: 1, bias: false), BatchNorm(4 * width), Activation(.relu, inPlace: true),
            Reshape([4 * width * reduced * reduced]),
            Linear(4 * width * reduced * reduced, Self.featureDimension), Activation(.relu, inPlace: true),
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
                _ = features.backward(head.backward(gradient), inputGradientNeeded: false)
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
        guard let labels = dataset.labels, dataset.count > 0 else { return 0 }
        let predicted = predictions(count: dataset.count) { dataset.fillBatch($0, indices: $1) }
        return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(dataset.count)
    }

    /// The most likely class of each of `count` images given as a fill function over index ranges.
    public func predictions(count: Int, fill: (Tensor, Range<Int>) -> Void) -> [Int] {
        featuresAndPredictions(count: count, fill: fill).predictions
    }

    /// The features (row-major, `featureDimension` per image) and most likely class of each
    /// of `count` images, from one pass of the network.
    public func featuresAndPredictions(count: Int, fill: (Tensor, Range<Int>) -> Void) -> (features: [Float], predictions: [Int]) {
        var features = [Float](), predicted = [Int]()
        features.reserveCapacity(count * Self.featureDimension)
        predicted.reserveCapacity(count)
        forEachBatch(count: count, fill: fill) { range, batchFeatures in
            features += batchFeatures.buffer
            let logits = head.forward(batchFeatures)
            for row in 0..<range.count {
                var best = 0
                for j in 1..<classes where logits[row * classes + j] > logits[row * classes + best] { best = j }
                predicted.append(best)
            }
        }
        return (features, predicted)
    }

    /// Feature statistics of a set of images given as a fill function over index ranges.
    public func statistics(count: Int, fill: (Tensor, Range<Int>) -> Void) -> GaussianStatistics {
        GaussianStatistics(features: featureVectors(count: count, fill: fill), count: count, dimension: Self.featureDimension)
    }

    /// The `featureDimension` features of each of `count` images, row-major (for nearest
    /// neighbours in feature space).
    public func featureVectors(count: Int, fill: (Tensor, Range<Int>) -> Void) -> [Float] {
        featuresAndPredictions(count: count, fill: fill).features
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
        guard let provenance else { throw ConfigError("a classifier is saved only with a record of what it was trained on") }
        let header = Header(imageSize: imageSize, channels: channels, classes: classes, width: width, testAccuracy: testAccuracy,
                            provenance: provenance, tensors: tensors.map { TensorArchive.Entry(name: $0.0, shape: $0.1.shape) })
        return try TensorArchive.encode(magic: Self.magic, version: Self.formatVersion, header: header, tensors: tensors)
    }

    /// Loads a classifier saved by `encode`.
    public static func load(path: String) throws -> FeatureClassifier {
        let archive = try TensorArchive.open(path: path, magic: magic, version: formatVersion, kind: "classifier") { (h: Header) in h.tensors }
        let header = archive.header
        guard header.imageSize >= 4, header.imageSize % 4 == 0, header.imageSize <= 1024, [1, 3].contains(header.channels),
              (2...1000).contains(header.classes), (1...256).contains(header.width) else {
            throw DataError(path: path, "classifier header is not valid")
        }
        let classifier = FeatureClassifier(imageSize: header.imageSize, channels: header.channels, classes: header.classes,
                                           width: header.width)
        guard classifier.tensors.map({ TensorArchive.Entry(name: $0.0, shape: $0.1.shape) }) == header.tensors else {
            throw DataError(path: path, "classifier tensors do not match its architecture")
        }
        try archive.read(into: classifier.tensors.map(\.1))
        classifier.testAccuracy = header.testAccuracy
        classifier.provenance = header.provenance
        return classifier
    }
}
