import DCGANData
import Foundation
import DCGANKit
import DCGANTensor

/// Conversions from generated tensors to files.
enum SampleExport {
    /// `count` latent vectors drawn with `seed`.
    static func latent(_ trainer: GANTrainer, count: Int, seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return trainer.latent.sample(count: count, rng: &rng)
    }

    /// Images generated at once.
    static let batchSize = 256

    /// Images from the trainer's generator for the latent vectors `z` (and, for a conditional
    /// generator, the class of each image), made in batches of at most `batchSize`: [N] + the
    /// image shape, in [-1, 1].
    static func generate(_ trainer: GANTrainer, z: Tensor, labels: [Int]? = nil, batchStatistics: Bool) -> Tensor {
        let count = z.shape[0], perVector = z.count / max(count, 1)
        var images: Tensor?
        for start in stride(from: 0, to: count, by: batchSize) {
            let n = min(batchSize, count - start)
            let batch = Tensor(shape: [n] + trainer.latent.sampleShape, values: Array(z.buffer[(start * perVector)..<((start + n) * perVector)]))
            let output = trainer.generate(batch, labels: labels.map { Array($0[start..<(start + n)]) }, batchStatistics: batchStatistics)
            let perImage = output.count / n
            if images == nil { images = Tensor(zeros: [count] + output.shape.dropFirst()) }
            (images!.pointer + start * perImage).update(from: output.pointer, count: n * perImage)
        }
        return images!
    }

    /// `count` images for latent vectors drawn with `seed`.
    static func generate(_ trainer: GANTrainer, count: Int, seed: UInt64, labels: [Int]? = nil, batchStatistics: Bool) -> Tensor {
        generate(trainer, z: latent(trainer, count: count, seed: seed), labels: labels, batchStatistics: batchStatistics)
    }

    /// Generated images in [-1, 1] as a uint8 dataset, quantised as the PNG and .npy files
    /// are, so that a score of generated images and of the same images read back agree.
    static func dataset(_ images: Tensor, labels: [Int]? = nil) -> ImageDataset {
        let (count, channels, size) = (images.shape[0], images.shape[1], images.shape[2])
        let bytes = bytesNHWC(images)
        return ImageDataset(count: count, channels: channels, height: size, width: size,
                            pixels: channels == 1 ? bytes : nchw(fromNHWC: bytes, channels: channels, size: size), labels: labels)
    }

    /// N x H x W x C bytes -> N x C x H x W (the layout datasets hold).
    static func nchw(fromNHWC bytes: [UInt8], channels c: Int, size: Int) -> [UInt8] {
        let plane = size * size, n = bytes.count / (plane * c)
        var result = [UInt8](repeating: 0, count: bytes.count)
        for s in 0..<n { for p in 0..<plane { for ch in 0..<c { result[(s * c + ch) * plane + p] = bytes[(s * plane + p) * c + ch] } } }
        return result
    }

    /// [N, C, H, W] in [-1, 1] -> bytes in N x H x W x C order (the layout NumPy users expect).
    static func bytesNHWC(_ images: Tensor) -> [UInt8] {
        let (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        var bytes = [UInt8](repeating: 0, count: images.count)
        for s in 0..<n { for ch in 0..<c { for y in 0..<h { for x in 0..<w {
            bytes[((s * h + y) * w + x) * c + ch] = ImageGrid.byte(images[((s * c + ch) * h + y) * w + x])
        } } } }
        return bytes
    }

    /// The files `writeIndividual` writes for `count` images.
    static func individualPaths(folder: String, count: Int) -> [String] {
        (0..<count).map { String(format: "%@/image-%05d.png", folder, $0) }
    }

    /// One PNG per image in `folder` (created if needed). Should a write fail, the images
    /// already written by this call are removed, so that an error leaves no partial set.
    static func writeIndividual(_ images: Tensor, folder: String, overwrite: Bool) throws {
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw DataError(path: folder, "cannot create the folder")
        }
        let (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let bytes = bytesNHWC(images)
        let paths = individualPaths(folder: folder, count: n)
        for (s, path) in paths.enumerated() {
            let image = RasterImage(width: w, height: h, channels: c, pixels: Array(bytes[(s * c * h * w)..<((s + 1) * c * h * w)]))
            do { try AtomicFile.write(try PNGCodec.encode(image), to: path, overwrite: overwrite) } catch {
                for written in paths[..<s] { try? FileManager.default.removeItem(atPath: written) }
                throw error
            }
        }
    }
}
