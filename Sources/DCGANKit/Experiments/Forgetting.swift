import DCGANData
import DCGANLayers
import DCGANTensor
import Foundation

/// A box drawn on one generated sample: pixels `x0..<x1` by `y0..<y1` of sample `sample`.
public struct MarkedBox: Sendable, Equatable, Codable {
    /// Index of the sample in the generated batch.
    public let sample: Int
    /// [x0, y0, x1, y1] in pixels, half-open: x0 <= x < x1, y0 <= y < y1.
    public let box: [Int]

    /// A box `[x0, y0, x1, y1]` on sample `sample`.
    public init(sample: Int, box: [Int]) {
        self.sample = sample
        self.box = box
    }
}

/// L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least
/// squares): small enough problems (tens of features) that the exact Hessian is cheap, and the
/// L2 term keeps the optimum finite even on separable data.
public struct LogisticRegression: Sendable {
    /// One weight per feature.
    public let weights: [Double]
    /// The intercept (not regularised).
    public let bias: Double

    /// A fitted model with the given coefficients.
    public init(weights: [Double], bias: Double) {
        self.weights = weights
        self.bias = bias
    }

    /// P(label = 1 | features) for one row.
    public func probability(_ row: some Collection<Float>) -> Double {
        var z = bias
        for (w, x) in zip(weights, row) { z += w * Double(x) }
        return 1 / (1 + exp(-z))
    }

    /// Fits `rows` (`count` x `featureCount`, row-major) to `labels` (0 or 1), minimising the
    /// mean log-loss + `l2` / 2 * |w|^2.
    public static func fit(rows: [Float], featureCount d: Int, labels: [Float], l2: Double = 1e-3,
                           iterations: Int = 50) -> LogisticRegression {
        let n = labels.count
        precondition(rows.count == n * d && n > 0, "LogisticRegression.fit: \(rows.count) values for \(n) rows of \(d)")
        let m = d + 1  // the bias is the last coordinate
        var theta = [Double](repeating: 0, count: m)
        var gradient = [Double](repeating: 0, count: m)
        var hessian = [Double](repeating: 0, count: m * m)
        var row = [Double](repeating: 0, count: m)
        for _ in 0..<iterations {
            for i in 0..<m { gradient[i] = i < d ? l2 * theta[i] : 0 }
            for i in 0..<(m * m) { hessian[i] = 0 }
            for i in 0..<d { hessian[i * m + i] = l2 }
            for r in 0..<n {
                for j in 0..<d { row[j] = Double(rows[r * d + j]) }
                row[d] = 1
                var z = 0.0
                for j in 0..<m { z += theta[j] * row[j] }
                let p = 1 / (1 + exp(-z))
                let residual = (p - Double(labels[r])) / Double(n)
                let weight = p * (1 - p) / Double(n)
                for j in 0..<m {
                    gradient[j] += residual * row[j]
                    let wj = weight * row[j]
                    for k in j..<m { hessian[j * m + k] += wj * row[k] }
                }
            }
            for j in 0..<m { for k in 0..<j { hessian[j * m + k] = hessian[k * m + j] } }
            // A tiny ridge keeps the bias direction solvable when every p is saturated.
            for j in 0..<m { hessian[j * m + j] += 1e-12 }
            guard let step = solve(hessian, gradient, size: m) else { break }
            var largest = 0.0
            for j in 0..<m { theta[j] -= step[j]; largest = max(largest, abs(step[j])) }
            if largest < 1e-10 { break }
        }
        return LogisticRegression(weights: Array(theta[0..<d]), bias: theta[d])
    }

    /// Solves the symmetric positive-definite system `a` x = `b` by Gaussian elimination with
    /// partial pivoting; nil when singular.
    private static func solve(_ a: [Double], _ b: [Double], size m: Int) -> [Double]? {
        var a = a, b = b
        for column in 0..<m {
            var pivot = column
            for r in (column + 1)..<max(m, column + 1) where abs(a[r * m + column]) > abs(a[pivot * m + column]) { pivot = r }
            guard abs(a[pivot * m + column]) > 1e-300 else { return nil }
            if pivot != column {
                for k in 0..<m { a.swapAt(column * m + k, pivot * m + k) }
                b.swapAt(column, pivot)
            }
            for r in (column + 1)..<max(m, column + 1) {
                let factor = a[r * m + column] / a[column * m + column]
                if factor == 0 { continue }
                for k in column..<m { a[r * m + k] -= factor * a[column * m + k] }
                b[r] -= factor * b[column]
            }
        }
        var x = [Double](repeating: 0, count: m)
        for r in stride(from: m - 1, through: 0, by: -1) {
            var sum = b[r]
            for k in (r + 1)..<max(m, r + 1) { sum -= a[r * m + k] * x[k] }
            x[r] = sum / a[r * m + r]
        }
        return x
    }
}

/// "Forgetting to draw an object" (the paper's section 6.3.1, Fig. 6): a logistic regression
/// on the generator's second-highest feature maps finds the maps that fire on marked objects,
/// and drawing with those maps zeroed removes the object.
public enum Forgetting {
    /// The index in `generator.layers` of its last transposed convolution; its input is the
    /// feature layer this experiment works on. Nil when there is none.
    public static func lastTransposedConvolution(_ generator: Sequential) -> Int? {
        generator.layers.lastIndex { $0 is ConvTranspose2d }
    }

    /// The feature maps that feed layer `featureLayer` of `generator` for latent vectors `z`:
    /// [N, maps, h, w] (a copy). Set the generator's mode first (`setTraining(false)`).
    public static func features(_ generator: Sequential, z: Tensor, feeding featureLayer: Int) -> Tensor {
        var x = z
        for index in 0..<featureLayer { x = generator.layers[index].forward(x) }
        return x.copy()
    }

    /// The generator's images for `z` with the maps in `dropped` of the input of layer
    /// `featureLayer` set to zero (a copy, [N, C, H, W]).
    public static func draw(_ generator: Sequential, z: Tensor, feeding featureLayer: Int, dropping dropped: Set<Int>) -> Tensor {
        var x = features(generator, z: z, feeding: featureLayer)
        let n = x.shape[0], maps = x.shape[1], plane = x.count / max(n * maps, 1)
        for s in 0..<n {
            for map in dropped where (0..<maps).contains(map) {
                (x.pointer + (s * maps + map) * plane).update(repeating: 0, count: plane)
            }
        }
        for index in featureLayer..<generator.layers.count { x = generator.layers[index].forward(x) }
        return x.copy()
    }

    /// For a `mapHeight` x `mapWidth` feature map over an `imageHeight` x `imageWidth` image,
    /// 1 for each position (row-major) whose centre lies in one of `boxes` (pixel coordinates,
    /// half-open), else 0. Position (i, j) covers pixels scale*j ..< scale*(j+1) across, with
    /// scale = image size / map size; its centre is at (j + 0.5) * scale.
    public static func positionLabels(boxes: [[Int]], mapHeight: Int, mapWidth: Int,
                                      imageHeight: Int, imageWidth: Int) -> [Float] {
        let scaleY = Double(imageHeight) / Double(mapHeight), scaleX = Double(imageWidth) / Double(mapWidth)
        var labels = [Float](repeating: 0, count: mapHeight * mapWidth)
        for i in 0..<mapHeight {
            let cy = (Double(i) + 0.5) * scaleY
            for j in 0..<mapWidth {
                let cx = (Double(j) + 0.5) * scaleX
                let inside = boxes.contains { b in
                    Double(b[0]) <= cx && cx < Double(b[2]) && Double(b[1]) <= cy && cy < Double(b[3])
                }
                if inside { labels[i * mapWidth + j] = 1 }
            }
        }
        return labels
    }

    /// The rows (one per spatial position of each marked sample, the maps' values as
    /// features) and labels (inside a box or not) for the regression. `features` is
    /// [N, maps, h, w]; the boxes are in pixels of `imageHeight` x `imageWidth` images.
    public static func trainingSet(features: Tensor, boxes: [MarkedBox], imageHeight: Int, imageWidth: Int)
        -> (rows: [Float], labels: [Float], featureCount: Int) {
        let maps = features.shape[1], h = features.shape[2], w = features.shape[3], plane = h * w
        let samples = Array(Set(boxes.map(\.sample))).sorted()
        var rows: [Float] = [], labels: [Float] = []
        rows.reserveCapacity(samples.count * plane * maps)
        for sample in samples {
            let positionLabels = positionLabels(boxes: boxes.filter { $0.sample == sample }.map(\.box),
                                                mapHeight: h, mapWidth: w, imageHeight: imageHeight, imageWidth: imageWidth)
            for p in 0..<plane {
                for map in 0..<maps { rows.append(features[(sample * maps + map) * plane + p]) }
            }
            labels += positionLabels
        }
        return (rows, labels, maps)
    }

    /// The mean pixel value (in [-1, 1]) of `images` ([N, C, H, W]) inside the boxes and
    /// outside them, over the marked samples only: how much of the marked object a drawing
    /// keeps, against what happens to the rest of the picture.
    public static func meanInsideAndOutside(_ images: Tensor, boxes: [MarkedBox]) -> (inside: Double, outside: Double) {
        let c = images.shape[1], h = images.shape[2], w = images.shape[3]
        var sums = (inside: 0.0, outside: 0.0), counts = (inside: 0, outside: 0)
        for sample in Set(boxes.map(\.sample)) {
            let own = boxes.filter { $0.sample == sample }.map(\.box)
            for ch in 0..<c {
                for y in 0..<h {
                    for x in 0..<w {
                        let value = Double(images[((sample * c + ch) * h + y) * w + x])
                        if own.contains(where: { $0[0] <= x && x < $0[2] && $0[1] <= y && y < $0[3] }) {
                            sums.inside += value; counts.inside += 1
                        } else {
                            sums.outside += value; counts.outside += 1
                        }
                    }
                }
            }
        }
        return (sums.inside / Double(max(counts.inside, 1)), sums.outside / Double(max(counts.outside, 1)))
    }

    /// The maps the paper's code drops: those with a positive regression weight.
    public static func mapsToDrop(_ regression: LogisticRegression) -> Set<Int> {
        Set(regression.weights.indices.filter { regression.weights[$0] > 0 })
    }

    /// Reads the boxes JSON (`[{"sample": 3, "box": [x0, y0, x1, y1]}, ...]`) and checks each
    /// box against `sampleCount` samples of `imageWidth` x `imageHeight` pixels.
    public static func readBoxes(path: String, sampleCount: Int, imageWidth: Int, imageHeight: Int) throws -> [MarkedBox] {
        guard let data = FileManager.default.contents(atPath: path) else { throw DataError(path: path, "cannot read the file") }
        let boxes: [MarkedBox]
        do { boxes = try JSONDecoder().decode([MarkedBox].self, from: data) } catch {
            throw DataError(path: path, "not a JSON list of {\"sample\": N, \"box\": [x0, y0, x1, y1]} objects")
        }
        guard !boxes.isEmpty else { throw DataError(path: path, "no boxes") }
        for (index, marked) in boxes.enumerated() {
            guard (0..<sampleCount).contains(marked.sample) else {
                throw DataError(path: path, "box \(index): sample \(marked.sample) is out of range 0..<\(sampleCount)")
            }
            let b = marked.box
            guard b.count == 4, 0 <= b[0], b[0] < b[2], b[2] <= imageWidth, 0 <= b[1], b[1] < b[3], b[3] <= imageHeight else {
                throw DataError(path: path, "box \(index): \(b) is not a box [x0, y0, x1, y1] inside the \(imageWidth)x\(imageHeight) image")
            }
        }
        return boxes
    }
}
