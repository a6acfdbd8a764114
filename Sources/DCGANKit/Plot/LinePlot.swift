import DCGANData
import Foundation

/// Line charts drawn with `Canvas`: one or more panels stacked above a shared x axis, each
/// with its own y axis, tick labels, grid, axis title and legend.
public struct LinePlot {
    /// One curve.
    public struct Series {
        /// The legend's text for the curve.
        public var label: String
        /// The curve's colour.
        public var color: Canvas.Color
        /// The data, in order of x; non-finite points break the line.
        public var points: [(x: Double, y: Double)]
        /// A curve of `points`.
        public init(label: String, color: Canvas.Color, points: [(x: Double, y: Double)]) {
            (self.label, self.color, self.points) = (label, color, points)
        }
    }

    /// One chart: curves sharing a y axis.
    public struct Panel {
        /// The y axis's title, written above the panel.
        public var yTitle: String
        /// The curves, in legend order.
        public var series: [Series]
        /// A panel of `series`.
        public init(yTitle: String, series: [Series]) { (self.yTitle, self.series) = (yTitle, series) }
    }

    /// An axis from `low` to `high` with "nice" ticks (steps of 1, 2 or 5 times a power of ten).
    public struct Axis: Equatable {
        /// The ends of the axis and the distance between ticks.
        public var low: Double, high: Double, step: Double
        /// The tick values, low to high.
        public var ticks: [Double] {
            let count = Int(((high - low) / step).rounded())
            return (0...count).map { low + Double($0) * step }
        }

        /// The smallest nice axis holding `low...high` with about `targetTicks` intervals; an
        /// empty or single-valued range is widened so that it still has an extent.
        public init(covering low: Double, _ high: Double, targetTicks: Int = 5) {
            var (low, high) = (low, high)
            if !(high > low) {
                let pad = low == 0 ? 1 : abs(low) * 0.1
                (low, high) = (low - pad, high + pad)
            }
            let rough = (high - low) / Double(targetTicks)
            let magnitude = pow(10, floor(log10(rough)))
            let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough * (1 - 1e-9) }!
            self.step = step
            self.low = floor(low / step + 1e-9) * step
            self.high = ceil(high / step - 1e-9) * step
        }

        /// A tick value as a label: as many decimals as the step needs, no "-0".
        public func label(_ value: Double) -> String {
            let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
            let shown = abs(value) < step * 1e-6 ? 0 : value
            return String(format: "%.\(decimals)f", shown)
        }
    }

    /// Where one panel's data lands: the plot rectangle in pixels and the axes it spans.
    public struct Frame {
        /// The plot rectangle's edges in pixels.
        public var left: Int, top: Int, right: Int, bottom: Int
        /// The axes it spans.
        public var x: Axis, y: Axis
        /// The pixel of data point (x, y) (y grows upwards, pixel rows downwards).
        public func pixel(x value: Double, y level: Double) -> (x: Int, y: Int) {
            let fx = (value - x.low) / (x.high - x.low), fy = (level - y.low) / (y.high - y.low)
            return (left + Int((fx * Double(right - left)).rounded()), bottom - Int((fy * Double(bottom - top)).rounded()))
        }
    }

    /// The title above everything.
    public var title: String
    /// The shared x axis's title, under the last panel.
    public var xTitle: String
    /// The panels, top to bottom.
    public var panels: [Panel]
    /// The image's size in pixels.
    public var width: Int, height: Int
    /// Font pixels per image pixel of all text.
    public static let textScale = 2
    static let gridColor = Canvas.Color(225, 225, 225)

    /// A chart of `panels` in a `width` x `height` image.
    public init(title: String, xTitle: String, panels: [Panel], width: Int = 800, height: Int = 600) {
        (self.title, self.xTitle, self.panels, self.width, self.height) = (title, xTitle, panels, width, height)
    }

    private var lineHeight: Int { BitmapFont.glyphHeight * Self.textScale }

    /// The frame of each panel, top to bottom.
    public func frames() -> [Frame] {
        let finite = { (series: [Series]) in series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite } }
        let xs = finite(panels.flatMap(\.series)).map(\.x)
        let x = Axis(covering: min(0, xs.min() ?? 0), xs.max() ?? 1)
        let yAxes = panels.map { panel in
            let ys = finite(panel.series).map(\.y)
            return Axis(covering: ys.min() ?? 0, ys.max() ?? 1)
        }
        let widest = yAxes.flatMap { axis in axis.ticks.map { BitmapFont.width(of: axis.label($0), scale: Self.textScale) } }.max() ?? 0
        let left = widest + 16, right = width - 24
        let top = lineHeight * 2 + 8, bottom = height - lineHeight * 2 - 12
        let block = (bottom - top) / max(panels.count, 1)
        return yAxes.enumerated().map { index, axis in
            let blockTop = top + index * block
            return Frame(left: left, top: blockTop + lineHeight + 8, right: right, bottom: blockTop + block - lineHeight - 12, x: x, y: axis)
        }
    }

    /// The chart as an RGB image.
    public func render() -> RasterImage {
        var canvas = Canvas(width: width, height: height)
        let scale = Self.textScale
        canvas.text(title, x: (width - BitmapFont.width(of: title, scale: scale)) / 2, y: 6, scale: scale)
        let frames = frames()
        for (panel, frame) in zip(panels, frames) {
            drawAxes(frame, yTitle: panel.yTitle, on: &canvas)
            let clip = (x: frame.left...frame.right, y: frame.top...frame.bottom)
            for series in panel.series {
                let thickness = series.points.count > (frame.right - frame.left) ? 1 : 2
                var previous: (x: Int, y: Int)?
                for point in series.points {
                    guard point.x.isFinite && point.y.isFinite else { previous = nil; continue }
                    let here = frame.pixel(x: point.x, y: point.y)
                    canvas.line(from: previous ?? here, to: here, series.color, thickness: thickness, clip: clip)
                    previous = here
                }
            }
            drawLegend(panel.series, frame: frame, on: &canvas)
        }
        if let last = frames.last {
            canvas.text(xTitle, x: (last.left + last.right - BitmapFont.width(of: xTitle, scale: scale)) / 2,
                        y: height - lineHeight - 6, scale: scale)
        }
        return canvas.image
    }

    private func drawAxes(_ frame: Frame, yTitle: String, on canvas: inout Canvas) {
        let scale = Self.textScale
        for tick in frame.y.ticks {
            let y = frame.pixel(x: frame.x.low, y: tick).y
            canvas.line(from: (frame.left, y), to: (frame.right, y), Self.gridColor)
            canvas.line(from: (frame.left - 5, y), to: (frame.left, y), .black)
            let label = frame.y.label(tick)
            canvas.text(label, x: frame.left - 8 - BitmapFont.width(of: label, scale: scale), y: y - lineHeight / 2, scale: scale)
        }
        for tick in frame.x.ticks {
            let x = frame.pixel(x: tick, y: frame.y.low).x
            canvas.line(from: (x, frame.top), to: (x, frame.bottom), Self.gridColor)
            canvas.line(from: (x, frame.bottom), to: (x, frame.bottom + 5), .black)
            let label = frame.x.label(tick)
            canvas.text(label, x: x - BitmapFont.width(of: label, scale: scale) / 2, y: frame.bottom + 8, scale: scale)
        }
        for (a, b) in [((frame.left, frame.top), (frame.right, frame.top)), ((frame.left, frame.bottom), (frame.right, frame.bottom)),
                       ((frame.left, frame.top), (frame.left, frame.bottom)), ((frame.right, frame.top), (frame.right, frame.bottom))] {
            canvas.line(from: a, to: b, .black)
        }
        canvas.text(yTitle, x: frame.left, y: frame.top - lineHeight - 6, scale: scale)
    }

    /// The key above the panel's top-right corner, beside the y title (so that it hides no
    /// data): a stroke of each colour and its label, in a row.
    private func drawLegend(_ series: [Series], frame: Frame, on canvas: inout Canvas) {
        let scale = Self.textScale, swatch = 24, gap = 20
        let y = frame.top - lineHeight - 6
        var x = frame.right - series.map { swatch + 6 + BitmapFont.width(of: $0.label, scale: scale) }.reduce(0, +) - gap * max(series.count - 1, 0)
        for entry in series {
            canvas.line(from: (x, y + lineHeight / 2), to: (x + swatch, y + lineHeight / 2), entry.color, thickness: 3)
            canvas.text(entry.label, x: x + swatch + 6, y: y, scale: scale)
            x += swatch + 6 + BitmapFont.width(of: entry.label, scale: scale) + gap
        }
    }
}
