import Data
import Foundation
import Tensor

/// Conversions from generated tensors to files.
enum SampleExport {
    /// [N, C, H, W] in [-1, 1] -> bytes in N x H x W x C order (the layout NumPy users expect).
    static func bytesNHWC(_ images: Tensor) -> [UInt8] {
        let (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        var bytes = [UInt8](repeating: 0, count: images.count)
        for s in 0..<n { for ch in 0..<c { for y in 0..<h { for x in 0..<w {
            bytes[((s * h + y) * w + x) * c + ch] = ImageGrid.byte(images[((s * c + ch) * h + y) * w + x])
        } } } }
        return bytes
    }

    /// One PNG per image in `folder` (created if needed).
    static func writeIndividual(_ images: Tensor, folder: String, overwrite: Bool) throws {
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw DataError(path: folder, "cannot create the folder")
        }
        let (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let bytes = bytesNHWC(images)
        for s in 0..<n {
            let image = RasterImage(width: w, height: h, channels: c, pixels: Array(bytes[(s * c * h * w)..<((s + 1) * c * h * w)]))
            let name = String(format: "%@/image-%05d.png", folder, s)
            try AtomicFile.write(try PNGCodec.encode(image), to: name, overwrite: overwrite)
        }
    }
}
