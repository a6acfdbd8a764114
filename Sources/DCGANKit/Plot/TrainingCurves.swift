import DCGANData
import Foundation

/// The training curves of a run (`training_curves.png`): the losses of D and G in one panel,
/// D's mean output on real images, D(x), and on fakes, D(G(z)) (before D's update), in
/// another, against the step.
public struct TrainingCurves {
    /// A metrics.csv column that is drawn, with its legend label and colour.
    struct Curve {
        var column: String, label: String, color: Canvas.Color
    }

    static let panels: [(yTitle: String, curves: [Curve])] = [
        ("loss", [Curve(column: "loss_d", label: "loss D", color: Canvas.Color(31, 119, 180)),
                  Curve(column: "loss_g", label: "loss G", color: Canvas.Color(255, 127, 14))]),
        ("D output", [Curve(column: "d_x", label: "D(x)", color: Canvas.Color(44, 160, 44)),
                      Curve(column: "d_g_z1", label: "D(G(z))", color: Canvas.Color(214, 39, 40))]),
    ]

    /// The points recorded so far, per drawn column.
    public private(set) var points: [String: [(x: Double, y: Double)]] = [:]

    /// No points yet (a new run).
    public init() {}

    /// The curves of the rows of a metrics.csv text up to `step` (a resumed run's history);
    /// rows that do not parse are skipped.
    public init(csv: String, upTo step: Int) {
        for row in MetricsLog.rows(csv: csv, upTo: step) {
            record(step: row.step, scalars: row.fields.compactMap { name, text in Double(text).map { (name, $0) } })
        }
    }

    /// The metrics.csv columns the panels draw.
    private static let drawnColumns = Set(panels.flatMap { $0.curves.map(\.column) })

    /// Keeps the drawn columns among `scalars` for `step`.
    public mutating func record(step: Int, scalars: [(name: String, value: Double)]) {
        for (name, value) in scalars where Self.drawnColumns.contains(name) { points[name, default: []].append((Double(step), value)) }
    }

    /// The chart of the curves so far.
    public var plot: LinePlot {
        LinePlot(title: "training curves", xTitle: "step", panels: Self.panels.map { panel in
            LinePlot.Panel(yTitle: panel.yTitle, series: panel.curves.map {
                LinePlot.Series(label: $0.label, color: $0.color, points: points[$0.column] ?? [])
            })
        })
    }

    /// Draws the chart and writes it to `path` as a PNG, atomically.
    public func writePNG(to path: String) throws {
        try AtomicFile.write(try PNGCodec.encode(plot.render()), to: path, overwrite: true)
    }
}
