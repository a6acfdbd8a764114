// A conditional GAN of our own, built from swift-dcgan's public pieces: fully connected G and
// D that both see the class label, trained on Fashion-MNIST, then sampled one row per class and
// saved with StateDictFile. Usage: conditional-mlp [steps (default 1500)] [output folder]
import DCGANData
import DCGANKit
import DCGANLayers
import DCGANTensor
import Foundation

let arguments = CommandLine.arguments.dropFirst()
guard let steps = Int(arguments.first ?? "1500"), steps >= 1 else { print("usage: conditional-mlp [steps] [output folder]"); exit(2) }
let outputFolder = arguments.dropFirst().first ?? "conditional-mlp-output"
try FileManager.default.createDirectory(atPath: outputFolder, withIntermediateDirectories: true)
let (nz, hidden, classes, batchSize) = (64, 256, MNISTDataset.classCount, 64)

// 1. Data: 60,000 labelled 28x28 images; the loader shuffles them and serves [64, 1, 28, 28]
//    batches in [-1, 1] with their labels, from a background thread.
let dataset: ImageDataset
do { dataset = try MNISTDataset.load(root: MNISTDataset.defaultRoot, split: .train, classNames: MNISTDataset.fashionClassNames) } catch {
    print(error); exit(1)  // e.g. "...train-images-idx3-ubyte.gz: not found (install the Debian package dataset-fashion-mnist ...)"
}
let loader = BatchLoader(dataset: dataset, batchSize: batchSize, seed: 7)

// 2. The networks. One ClassCondition holds the current batch's labels as one-hot rows; every
//    JoinLabels layer appends them to its input, so G gets z + label and D gets image + label.
let condition = ClassCondition(classes: classes)
func makeGenerator(_ condition: ClassCondition) -> Sequential {  // z [N, 64] -> image [N, 1, 28, 28]
    Sequential([JoinLabels(condition), Linear(nz + classes, hidden), Activation(.leakyReLU(slope: 0.2)), LayerNorm(hidden),
                Linear(hidden, 28 * 28), Activation(.tanh), Reshape([1, 28, 28])], name: "G")
}
let generator = makeGenerator(condition)
let discriminator = Sequential([Reshape([28 * 28]), JoinLabels(condition), Linear(28 * 28 + classes, hidden),
                                Activation(.leakyReLU(slope: 0.2)), Linear(hidden, 1)], name: "D")  // one logit per image
var initRNG = RandomGenerator(seed: 1)
Initializer.pytorchDefault(generator, rng: &initRNG)
Initializer.pytorchDefault(discriminator, rng: &initRNG)

// 3. The trainer: alternating D and G updates with the non-saturating BCE loss on logits; it
//    sets the condition to each real batch's labels and makes fakes for those same labels.
//    Adam at 1e-3 (5x the DCGAN paper's rate): these small nets start to follow the label
//    after about 1,200 steps at this rate, and much later at 2e-4.
let optimizerG = Adam(generator.parameters, learningRate: 1e-3, beta1: 0.5)
let optimizerD = Adam(discriminator.parameters, learningRate: 1e-3, beta1: 0.5)
let trainer = GANTrainer(generator: generator, discriminator: discriminator, optimizerG: optimizerG, optimizerD: optimizerD,
                         loss: .nonSaturating, latent: NormalLatent(sampleShape: [nz]), condition: condition, seed: 2)
let start = Date()
for step in 1...steps {
    let m = trainer.step(nextRealBatch: loader.next)
    precondition(m.isFinite, "training diverged at step \(step)")
    if step % 100 == 0 || step == steps {
        print(String(format: "step %4d  loss D %.3f  loss G %.3f  D(x) %.2f  D(G(z)) %.2f", step, m.lossD, m.lossG, m.dReal, m.dFakeAfter))
    }
}
loader.stop()
print(String(format: "trained %d steps in %.1f s", steps, Date().timeIntervalSince(start)))

// 4. Samples: row r of the grid shows 8 images asked for with label r (T-shirt ... Ankle boot).
var sampleRNG = RandomGenerator(seed: 3)
let z = NormalLatent(sampleShape: [nz]).sample(count: classes * 8, rng: &sampleRNG)
let labels = (0..<classes).flatMap { Array(repeating: $0, count: 8) }
let images = trainer.generate(z, labels: labels).copy()  // copy: G reuses its output buffer
let gridPath = outputFolder + "/samples.png"
try ImageGrid.writePNG(images: images, path: gridPath, columns: 8, overwrite: true)
print("wrote \(gridPath): one row per class, " + MNISTDataset.fashionClassNames.joined(separator: ", "))

// 5. Save both networks and both optimisers' moments with metadata of our own, then read the
//    file back and check that it holds the same names, shapes and values.
struct RunInfo: Codable, Equatable { var steps: Int; var nz: Int; var hidden: Int; var classNames: [String]; var optimizerSteps: [Int] }
let info = RunInfo(steps: steps, nz: nz, hidden: hidden, classNames: MNISTDataset.fashionClassNames,
                   optimizerSteps: [optimizerG.stepCount, optimizerD.stepCount])
let state = StateDict(generator, prefix: "G") + StateDict(discriminator, prefix: "D")
    + StateDict(optimizerG, prefix: "optG") + StateDict(optimizerD, prefix: "optD")
let statePath = outputFolder + "/conditional-mlp.dcgan"
try StateDictFile.write(state, metadata: info, to: statePath, overwrite: true)
let (readInfo, readState) = try StateDictFile.read(path: statePath, metadata: RunInfo.self)
let sameTensors = readState.entries.count == state.entries.count && zip(readState.entries, state.entries).allSatisfy {
    $0.name == $1.name && $0.tensor.shape == $1.tensor.shape && $0.tensor.array == $1.tensor.array
}
precondition(readInfo == info && sameTensors, "the saved state did not read back unchanged")
print("wrote \(statePath): \(state.entries.count) tensors, read back identical (metadata too)")

// 6. A fresh generator loaded from the file draws exactly the same pictures.
let freshCondition = ClassCondition(classes: classes)
let freshGenerator = makeGenerator(freshCondition)
try StateDict(freshGenerator, prefix: "G").load(from: StateDict(readState.entries.filter { $0.name.hasPrefix("G.") }), path: statePath)
freshCondition.set(labels: labels)
precondition(freshGenerator.forward(z).array == images.array, "the reloaded generator draws other images")
print("reloaded G from the file: same \(labels.count) images")
