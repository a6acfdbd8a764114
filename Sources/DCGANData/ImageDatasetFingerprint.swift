import Foundation

extension ImageDataset {
    /// A short hexadecimal identity of the images and labels: the CRC-32 of the shape, every
    /// image's bytes and every label. Two datasets with the same fingerprint hold (almost
    /// certainly) the same data, wherever they were read from; MNIST and Fashion-MNIST, of one
    /// shape, differ. Reads every pixel once (about 50 ms for 60,000 28x28 images).
    public var fingerprint: String {
        var crc = [Int64(count), Int64(channels), Int64(height), Int64(width)].map(\.littleEndian).withUnsafeBytes { CRC32.checksum($0) }
        for index in 0..<count {
            withImage(index) { crc = CRC32.checksum(UnsafeRawBufferPointer(start: $0, count: imageSize), continuing: crc) }
        }
        if let labels {
            crc = labels.map { Int32($0).littleEndian }.withUnsafeBytes { CRC32.checksum($0, continuing: crc) }
        }
        return String(format: "%08x", UInt32(crc))
    }
}
