import DCGANTensor

/// A sheet of images tiled in rows, as torchvision's `make_grid` + `save_image` make it:
/// the way training shows its samples.
public enum ImageGrid {
    /// Tiles `images` ([N, C, H, W], values in -1...1) into `columns` per row with `padding`
    /// black pixels around every tile. Values are clamped to -1...1 and mapped to 0...255
    /// (NaN becomes black). 1 and 3 channels give gray and RGB images; any other channel
    /// count is shown as gray from the first channel.
    public static func make(images: Tensor, columns: Int = 8, padding: Int = 2) -> RasterImage {
        precondition(images.rank == 4, "image grid needs [N, C, H, W], got \(images.shape)")
        precondition(columns >= 1 && padding >= 0, "invalid grid layout")
        let (count, sourceChannels, height, width) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let channels = sourceChannels == 3 ? 3 : 1
        let across = max(1, min(columns, count))
        let down = (count + across - 1) / across
        let (cellWidth, cellHeight) = (width + padding, height + padding)
        let gridWidth = across * cellWidth + padding, gridHeight = down * cellHeight + padding

        var pixels = [UInt8](repeating: 0, count: gridWidth * gridHeight * channels)
        let source = images.pointer
        for n in 0..<count {
            let left = (n % across) * cellWidth + padding, top = (n / across) * cellHeight + padding
            for c in 0..<channels {
                let plane = source + (n * sourceChannels + c) * height * width
                for y in 0..<height {
                    for x in 0..<width {
                        pixels[((top + y) * gridWidth + left + x) * channels + c] = byte(plane[y * width + x])
                    }
                }
            }
        }
        return RasterImage(width: gridWidth, height: gridHeight, channels: channels, pixels: pixels)
    }

    /// Makes the grid and writes it as a PNG file, atomically (see `AtomicFile`); returns the
    /// file's bytes (for logs that embed the image).
    @discardableResult
    public static func writePNG(images: Tensor, path: String, columns: Int = 8, padding: Int = 2,
                                overwrite: Bool) throws -> [UInt8] {
        let grid = make(images: images, columns: columns, padding: padding)
        let encoded: [UInt8]
        do {
            encoded = try PNGCodec.encode(grid)
        } catch let error as DataError {
            throw DataError(path: path, error.problem)
        }
        try AtomicFile.write(encoded, to: path, overwrite: overwrite)
        return encoded
    }

    /// -1...1 to 0...255 the way torchvision rounds: (x + 1) / 2 * 255 + 0.5, truncated.
    public static func byte(_ value: Float) -> UInt8 {
        let scaled = (value + 1) * 127.5 + 0.5
        // The negated comparison also sends NaN to 0, where a conversion would trap.
        guard scaled >= 0 else { return 0 }
        return UInt8(min(scaled, 255))
    }
}
