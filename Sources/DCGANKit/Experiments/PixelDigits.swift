import DCGANData
import DCGANTensor

/// A tiny built-in 3x5 pixel font for writing indices under images (the numbered sheet a
/// user picks exemplars from for `dcgan arithmetic`), so no font file or library is needed.
public enum PixelDigits {
    /// Glyph rows for 0-9, top to bottom; each row's three low bits are its pixels, left to right.
    static let glyphs: [[UInt8]] = [
        [0b111, 0b101, 0b101, 0b101, 0b111], [0b010, 0b110, 0b010, 0b010, 0b111],
        [0b111, 0b001, 0b111, 0b100, 0b111], [0b111, 0b001, 0b111, 0b001, 0b111],
        [0b101, 0b101, 0b111, 0b001, 0b001], [0b111, 0b100, 0b111, 0b001, 0b111],
        [0b111, 0b100, 0b111, 0b101, 0b111], [0b111, 0b001, 0b010, 0b010, 0b010],
        [0b111, 0b101, 0b111, 0b101, 0b111], [0b111, 0b101, 0b111, 0b001, 0b111],
    ]
    /// Glyph size in pixels, and the gap between two digits.
    public static let glyphWidth = 3, glyphHeight = 5, spacing = 1

    /// The width in pixels of `number` written out.
    public static func width(of number: Int) -> Int {
        let digits = String(number).count
        return digits * glyphWidth + (digits - 1) * spacing
    }

    /// Writes the non-negative `number` in white with its top-left corner at (x, y); pixels
    /// outside the image are skipped.
    public static func draw(_ number: Int, into image: inout RasterImage, x: Int, y: Int) {
        precondition(number >= 0, "only non-negative numbers are drawn")
        for (position, character) in String(number).enumerated() {
            let glyph = glyphs[Int(character.asciiValue! - 48)]
            let left = x + position * (glyphWidth + spacing)
            for row in 0..<glyphHeight {
                for column in 0..<glyphWidth where glyph[row] & (0b100 >> column) != 0 {
                    let (px, py) = (left + column, y + row)
                    guard px >= 0, px < image.width, py >= 0, py < image.height else { continue }
                    for c in 0..<image.channels { image.pixels[(py * image.width + px) * image.channels + c] = 255 }
                }
            }
        }
    }

    /// Tiles `images` ([N, C, H, W] in [-1, 1]) like `ImageGrid.make`, with a strip under each
    /// tile in which its index (0..<N) is written, centred.
    public static func numberedGrid(images: Tensor, columns: Int, padding: Int = 2) -> RasterImage {
        let (count, height, width) = (images.shape[0], images.shape[2], images.shape[3])
        let plain = ImageGrid.make(images: images, columns: columns, padding: padding)
        let across = max(1, min(columns, count)), down = (count + across - 1) / across
        let strip = glyphHeight + 2
        let (cellWidth, cellHeight) = (width + padding, height + padding + strip)
        let channels = plain.channels
        var sheet = RasterImage(width: plain.width, height: down * cellHeight + padding, channels: channels,
                                pixels: [UInt8](repeating: 0, count: plain.width * (down * cellHeight + padding) * channels))
        // Copy each row of tiles down by the strips above it, then write the index under each tile.
        let rowBytes = plain.width * channels
        for tileRow in 0..<down {
            for y in 0..<(height + padding) {
                let source = (tileRow * (height + padding) + y) * rowBytes
                let target = (tileRow * cellHeight + y) * rowBytes
                sheet.pixels.replaceSubrange(target..<(target + rowBytes), with: plain.pixels[source..<(source + rowBytes)])
            }
        }
        for n in 0..<count {
            let left = (n % across) * cellWidth + padding, top = (n / across) * cellHeight + padding
            draw(n, into: &sheet, x: left + (width - Self.width(of: n)) / 2, y: top + height + 1)
        }
        return sheet
    }
}
