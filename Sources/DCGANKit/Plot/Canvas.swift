import DCGANData

/// An RGB drawing surface over a `RasterImage`: filled rectangles, thick lines and bitmap
/// text, with everything outside the image clipped.
public struct Canvas {
    /// An RGB colour.
    public struct Color: Equatable, Sendable {
        /// Red, green and blue, 0-255.
        public var r: UInt8, g: UInt8, b: UInt8
        /// The colour (r, g, b).
        public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { (self.r, self.g, self.b) = (r, g, b) }
        /// The background and the text colour.
        public static let white = Color(255, 255, 255), black = Color(0, 0, 0)
    }

    /// The pixels drawn so far (3 channels).
    public private(set) var image: RasterImage

    /// A `width` x `height` canvas filled with `background`.
    public init(width: Int, height: Int, background: Color = .white) {
        image = RasterImage(width: width, height: height, channels: 3,
                            pixels: [UInt8](repeating: 0, count: width * height * 3))
        fill(x: 0, y: 0, width: width, height: height, background)
    }

    /// The colour at (x, y).
    public func color(x: Int, y: Int) -> Color {
        let at = (y * image.width + x) * 3
        return Color(image.pixels[at], image.pixels[at + 1], image.pixels[at + 2])
    }

    /// Sets one pixel; outside the image (or outside `clip`, when given) nothing happens.
    public mutating func set(x: Int, y: Int, _ color: Color, clip: (x: ClosedRange<Int>, y: ClosedRange<Int>)? = nil) {
        guard x >= 0, y >= 0, x < image.width, y < image.height else { return }
        if let clip, !clip.x.contains(x) || !clip.y.contains(y) { return }
        let at = (y * image.width + x) * 3
        (image.pixels[at], image.pixels[at + 1], image.pixels[at + 2]) = (color.r, color.g, color.b)
    }

    /// A filled rectangle with its top-left corner at (x, y).
    public mutating func fill(x: Int, y: Int, width: Int, height: Int, _ color: Color) {
        for py in y..<(y + max(height, 0)) { for px in x..<(x + max(width, 0)) { set(x: px, y: py, color) } }
    }

    /// A straight line from (x0, y0) to (x1, y1) (Bresenham's), `thickness` pixels wide.
    public mutating func line(from start: (x: Int, y: Int), to end: (x: Int, y: Int), _ color: Color, thickness: Int = 1,
                              clip: (x: ClosedRange<Int>, y: ClosedRange<Int>)? = nil) {
        var (x, y) = start
        let dx = abs(end.x - x), dy = -abs(end.y - y)
        let sx = x < end.x ? 1 : -1, sy = y < end.y ? 1 : -1
        var error = dx + dy
        let low = -(thickness - 1) / 2, high = thickness / 2
        while true {
            for oy in low...high { for ox in low...high { set(x: x + ox, y: y + oy, color, clip: clip) } }
            if x == end.x && y == end.y { break }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x += sx }
            if doubled <= dx { error += dx; y += sy }
        }
    }

    /// `text` in the built-in font with its top-left corner at (x, y), each font pixel a
    /// `scale` x `scale` square.
    public mutating func text(_ text: String, x: Int, y: Int, scale: Int = 1, _ color: Color = .black) {
        for (index, character) in text.enumerated() {
            let left = x + index * (BitmapFont.glyphWidth + BitmapFont.spacing) * scale
            for row in 0..<BitmapFont.glyphHeight {
                for column in 0..<BitmapFont.glyphWidth where BitmapFont.isOn(character, column: column, row: row) {
                    fill(x: left + column * scale, y: y + row * scale, width: scale, height: scale, color)
                }
            }
        }
    }
}
