import DCGANTensor

extension ImageDataset {
    /// The "1010" patterns of the book's first GAN ("Make Your Own GAN", chapter 2): four
    /// values, high, low, high, low, with high drawn from [0.8, 1.0] and low from [0.0, 0.2],
    /// stored as 1 x 1 x 4 images of bytes (so 0.8 is byte 204). Unlabelled; the same seed
    /// gives the same patterns.
    public static func pattern1010(count: Int, seed: UInt64) -> ImageDataset {
        precondition(count >= 1, "a dataset needs at least one pattern")
        var rng = RandomGenerator(seed: seed ^ 0x1010_1010)
        var pixels = [UInt8](repeating: 0, count: count * 4)
        for index in 0..<pixels.count {
            let high = index % 2 == 0
            let value = (high ? 0.8 : 0.0) + 0.2 * Double(rng.nextUnitFloat())
            pixels[index] = UInt8((value * 255).rounded())
        }
        return ImageDataset(count: count, channels: 1, height: 1, width: 4, pixels: pixels)
    }
}
