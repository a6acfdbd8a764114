import DCGANData
import Foundation

/// What a training run shows as it goes, besides metrics.csv: a TensorBoard event file with
/// every metric as a scalar and every sample grid as an image, and the PNG plot of the
/// training curves, redrawn with each sample grid.
public final class RunMonitor {
    private let folder: RunFolder
    private let events: EventFileWriter?
    private var curves: TrainingCurves

    /// Starts monitoring `folder`; a resumed run (`resumingAt`) takes its curves so far from
    /// the folder's metrics.csv and starts a new event file (TensorBoard merges the files of a
    /// folder, and drops the older file's steps past the resume point when it meets them again).
    public init(folder: RunFolder, resumingAt step: Int? = nil, tensorBoard: Bool) throws {
        self.folder = folder
        events = tensorBoard ? try EventFileWriter(folder: folder.path) : nil
        if let step, let csv = try? String(contentsOfFile: folder.metricsPath, encoding: .utf8) {
            curves = TrainingCurves(csv: csv, upTo: step)
        } else {
            curves = TrainingCurves()
        }
    }

    /// The path of the event file, nil when TensorBoard output is off.
    public var eventFilePath: String? { events?.path }

    /// Records the named values of `step` (any names: each becomes a TensorBoard scalar).
    public func record(step: Int, scalars: [(name: String, value: Double)]) throws {
        curves.record(step: step, scalars: scalars)
        try events?.addScalars(step: step, scalars)
    }

    /// Logs the sample grid of `step` (its PNG bytes) as the image "samples" and redraws the
    /// curve plot.
    public func sampleGridWritten(step: Int, png: [UInt8]) throws {
        try events?.addImage(step: step, tag: "samples", png: png)
        try curves.writePNG(to: folder.curvesPlotPath)
    }
}
