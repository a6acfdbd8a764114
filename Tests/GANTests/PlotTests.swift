import DCGANData
import DCGANKit
import Foundation
import Testing

@Suite struct PlotTests {
    @Test func axesGetNiceTicks() {
        let a = LinePlot.Axis(covering: 0.13, 0.87)
        #expect(a.step == 0.2 && abs(a.low - 0) < 1e-12 && abs(a.high - 1) < 1e-12)
        #expect(a.ticks.map(a.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let b = LinePlot.Axis(covering: 0, 1234)
        #expect(b.step == 500 && b.high == 1500 && b.ticks.map(b.label) == ["0", "500", "1000", "1500"])
        let c = LinePlot.Axis(covering: -3.2, 7.9)
        #expect(c.step == 5 && c.low == -5 && c.high == 10 && c.ticks.map(c.label) == ["-5", "0", "5", "10"])
        let e = LinePlot.Axis(covering: -0.031, 0.012)
        #expect(abs(e.step - 0.01) < 1e-12 && e.ticks.map(e.label) == ["-0.04", "-0.03", "-0.02", "-0.01", "0.00", "0.01", "0.02"])
        // A constant series still gets an axis with an extent.
        let d = LinePlot.Axis(covering: 2, 2)
        #expect(d.low < 2 && d.high > 2)
    }

    @Test func fontHasEveryCharacterOfTheLabels() {
        let labels = ["training curves", "step", "loss", "D output", "loss D", "loss G", "D(x)", "D(G(z))", "-0.123456789+,:"]
        for label in labels { for character in label { #expect(BitmapFont.contains(character), "\(character)") } }
        #expect(!BitmapFont.contains("#"))
        #expect(BitmapFont.width(of: "ab", scale: 2) == 22)
    }

    @Test func curvesLandWhereTheirDataSays() throws {
        let red = Canvas.Color(200, 0, 0), blue = Canvas.Color(0, 0, 200)
        let rising = (0...10).map { (x: Double($0) * 10, y: Double($0) / 10) }
        let flat = (0...100).map { (x: Double($0), y: 0.3) }
        let plot = LinePlot(title: "t", xTitle: "step", panels: [
            LinePlot.Panel(yTitle: "a", series: [LinePlot.Series(label: "up", color: red, points: rising)]),
            LinePlot.Panel(yTitle: "b", series: [LinePlot.Series(label: "flat", color: blue, points: flat)]),
        ], width: 640, height: 480)
        let frames = plot.frames()
        let image = plot.render()
        #expect(image.width == 640 && image.height == 480 && image.channels == 3)
        let canvas = Canvas(image)
        // The rising line passes through its points.
        for (x, y) in [(10.0, 0.1), (30.0, 0.3), (50.0, 0.5)] {
            let p = frames[0].pixel(x: x, y: y)
            #expect(canvas.color(x: p.x, y: p.y) == red, "(\(x), \(y)) at \(p)")
        }
        // The flat line fills its row across the lower panel; the upper panel has no blue.
        let row = frames[1].pixel(x: 0, y: 0.3).y
        let across = (frames[1].left + 2)..<(frames[1].left + 200)
        #expect(across.allSatisfy { canvas.color(x: $0, y: row) == blue })
        #expect(!(frames[0].top...frames[0].bottom).contains { y in (frames[0].left...frames[0].right).contains { canvas.color(x: $0, y: y) == blue } })
        // Nothing of a curve outside its frame: the pixel above the upper panel's frame is not red.
        let top = frames[0].pixel(x: 100, y: 1.0)
        #expect(canvas.color(x: top.x, y: frames[0].top - 2) != red)
        // Axis text is drawn (dark pixels left of the frames, where the tick labels go).
        #expect((0..<frames[0].left - 6).contains { x in (frames[0].top...frames[0].bottom).contains { canvas.color(x: x, y: $0) == .black } })
    }

    @Test func trainingCurvesComeFromMetricsAndDecode() throws {
        var curves = TrainingCurves()
        for step in 1...50 {
            curves.record(step: step, scalars: [("loss_d", 1.0 / Double(step)), ("loss_g", 2), ("d_x", 0.7), ("d_g_z1", 0.3), ("fid", 9)])
        }
        #expect(curves.points.keys.sorted() == ["d_g_z1", "d_x", "loss_d", "loss_g"])
        let path = Tiny.folder("plot") + "/curves.png"
        try curves.writePNG(to: path)
        let decoded = try PNGCodec.decode(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), path: path)
        #expect(decoded.width == 800 && decoded.height == 600 && decoded.pixels == curves.plot.render().pixels)
        // A resumed run's curves come back from metrics.csv, rows past the resume step left out.
        let csv = "step,epoch,loss_d,loss_g,d_x,d_g_z1\n1,0,0.5,1.5,0.9,0.1\n2,0,0.4,1.4,0.8,0.2\n3,0,bad,1.3,0.7,0.3\n"
        let resumed = TrainingCurves(csv: csv, upTo: 2)
        #expect(resumed.points["loss_d"]?.map(\.y) == [0.5, 0.4])
        #expect(resumed.points["d_g_z1"]?.map(\.x) == [1, 2])
    }

    @Test func trainingRunRedrawsThePlotWithEachSampleGrid() throws {
        let (folder, run) = try TensorBoardTests.fourStepRun("plot-run")
        try run.run(stopAfter: 1) { _ in }
        #expect(!FileManager.default.fileExists(atPath: folder.curvesPlotPath))
        try run.run(stopAfter: 2) { _ in }
        let first = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder.curvesPlotPath)))
        try run.run { _ in }
        let last = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder.curvesPlotPath)))
        #expect(first != last)
        #expect(try PNGCodec.decode(bytes: last, path: folder.curvesPlotPath).width == 800)
    }
}

extension Canvas {
    /// A canvas over an existing RGB image, for reading pixels back in tests.
    init(_ image: RasterImage) {
        self.init(width: image.width, height: image.height)
        for y in 0..<image.height {
            for x in 0..<image.width {
                let at = (y * image.width + x) * 3
                set(x: x, y: y, Canvas.Color(image.pixels[at], image.pixels[at + 1], image.pixels[at + 2]))
            }
        }
    }
}
