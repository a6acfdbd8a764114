import DCGANData
import Foundation
import DCGANKit

/// A tiny model and a fast training configuration for end-to-end tests.
enum Tiny {
    static let model = ModelConfig(imageSize: 28, channels: 1, nz: 8, ngf: 4, ndf: 4)

    static func training(iterations: Int = 6, seed: UInt64 = 5) -> TrainingConfig {
        var t = TrainingConfig()
        t.dataset = "fake"
        t.batchSize = 8
        t.iterations = iterations
        t.seed = seed
        t.sampleEvery = 0
        t.checkpointEvery = 3
        return t
    }

    static let dataset = ImageDataset.fake(count: 40, channels: 1, size: 28, seed: 9)

    /// A fresh, empty folder under the temporary directory.
    static func folder(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "dcgan-tests-\(name)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
