/// Plain, obviously-correct kernels in Double, written straight from the definitions.
/// They are what the fast kernels are tested against, and what finite differences run on.
public enum Reference {}

extension Reference {
    /// Conv2d: y[n,o,i,j] = b[o] + sum_{c,u,v} x[n,c,i*s-p+u, j*s-p+v] * w[o,c,u,v].
    public static func conv2d(_ x: [Double], _ xShape: [Int], _ w: [Double], _ wShape: [Int], bias: [Double]?,
                              _ g: ConvGeometry) -> (values: [Double], shape: [Int]) {
        let (n, c, h, wd) = (xShape[0], xShape[1], xShape[2], xShape[3])
        let (o, k) = (wShape[0], g.kernel)
        let (ho, wo) = (g.convOutput(h), g.convOutput(wd))
        var y = [Double](repeating: 0, count: n * o * ho * wo)
        for b in 0..<n { for oc in 0..<o { for i in 0..<ho { for j in 0..<wo {
            var sum = bias?[oc] ?? 0
            for ic in 0..<c { for u in 0..<k { for v in 0..<k {
                let (r, q) = (i * g.stride - g.padding + u, j * g.stride - g.padding + v)
                if r >= 0 && r < h && q >= 0 && q < wd {
                    sum += x[((b * c + ic) * h + r) * wd + q] * w[((oc * c + ic) * k + u) * k + v]
                }
            } } }
            y[((b * o + oc) * ho + i) * wo + j] = sum
        } } } }
        return (y, [n, o, ho, wo])
    }

    /// Gradients of `conv2d` for an output gradient dy: (dx, dw, db).
    public static func conv2dBackward(_ x: [Double], _ xShape: [Int], _ w: [Double], _ wShape: [Int], _ dy: [Double],
                                      _ g: ConvGeometry) -> (dx: [Double], dw: [Double], db: [Double]) {
        let (n, c, h, wd) = (xShape[0], xShape[1], xShape[2], xShape[3])
        let (o, k) = (wShape[0], g.kernel)
        let (ho, wo) = (g.convOutput(h), g.convOutput(wd))
        var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count)
        var db = [Double](repeating: 0, count: o)
        for b in 0..<n { for oc in 0..<o { for i in 0..<ho { for j in 0..<wo {
            let grad = dy[((b * o + oc) * ho + i) * wo + j]
            db[oc] += grad
            for ic in 0..<c { for u in 0..<k { for v in 0..<k {
                let (r, q) = (i * g.stride - g.padding + u, j * g.stride - g.padding + v)
                if r >= 0 && r < h && q >= 0 && q < wd {
                    let xi = ((b * c + ic) * h + r) * wd + q, wi = ((oc * c + ic) * k + u) * k + v
                    dx[xi] += grad * w[wi]
                    dw[wi] += grad * x[xi]
                }
            } } }
        } } } }
        return (dx, dw, db)
    }

    /// ConvTranspose2d: every input pixel x[n,c,i,j] scatters x * w[c,o,u,v] onto
    /// y[n,o,i*s-p+u, j*s-p+v]; the output is (size-1)*s - 2p + k + outputPadding.
    public static func convTranspose2d(_ x: [Double], _ xShape: [Int], _ w: [Double], _ wShape: [Int], bias: [Double]?,
                                       _ g: ConvGeometry) -> (values: [Double], shape: [Int]) {
        let (n, c, h, wd) = (xShape[0], xShape[1], xShape[2], xShape[3])
        let (o, k) = (wShape[1], g.kernel)
        let (ho, wo) = (g.transposedOutput(h), g.transposedOutput(wd))
        var y = [Double](repeating: 0, count: n * o * ho * wo)
        for b in 0..<n { for oc in 0..<o { for i in 0..<ho * wo { y[(b * o + oc) * ho * wo + i] = bias?[oc] ?? 0 } } }
        for b in 0..<n { for ic in 0..<c { for i in 0..<h { for j in 0..<wd {
            let value = x[((b * c + ic) * h + i) * wd + j]
            for oc in 0..<o { for u in 0..<k { for v in 0..<k {
                let (r, q) = (i * g.stride - g.padding + u, j * g.stride - g.padding + v)
                if r >= 0 && r < ho && q >= 0 && q < wo {
                    y[((b * o + oc) * ho + r) * wo + q] += value * w[((ic * o + oc) * k + u) * k + v]
                }
            } } }
        } } } }
        return (y, [n, o, ho, wo])
    }

    /// Gradients of `convTranspose2d` for an output gradient dy: (dx, dw, db).
    public static func convTranspose2dBackward(_ x: [Double], _ xShape: [Int], _ w: [Double], _ wShape: [Int],
                                               _ dy: [Double], _ g: ConvGeometry) -> (dx: [Double], dw: [Double], db: [Double]) {
        let (n, c, h, wd) = (xShape[0], xShape[1], xShape[2], xShape[3])
        let (o, k) = (wShape[1], g.kernel)
        let (ho, wo) = (g.transposedOutput(h), g.transposedOutput(wd))
        var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count)
        var db = [Double](repeating: 0, count: o)
        for b in 0..<n { for oc in 0..<o { for i in 0..<ho * wo { db[oc] += dy[(b * o + oc) * ho * wo + i] } } }
        for b in 0..<n { for ic in 0..<c { for i in 0..<h { for j in 0..<wd {
            let xi = ((b * c + ic) * h + i) * wd + j
            for oc in 0..<o { for u in 0..<k { for v in 0..<k {
                let (r, q) = (i * g.stride - g.padding + u, j * g.stride - g.padding + v)
                if r >= 0 && r < ho && q >= 0 && q < wo {
                    let grad = dy[((b * o + oc) * ho + r) * wo + q], wi = ((ic * o + oc) * k + u) * k + v
                    dx[xi] += grad * w[wi]
                    dw[wi] += grad * x[xi]
                }
            } } }
        } } } }
        return (dx, dw, db)
    }

    /// Linear: y[n, o] = b[o] + sum_i x[n, i] * w[o, i] (PyTorch's weight layout [out, in]).
    public static func linear(_ x: [Double], batch: Int, _ w: [Double], outFeatures: Int, bias: [Double]?) -> [Double] {
        let inFeatures = x.count / batch
        var y = [Double](repeating: 0, count: batch * outFeatures)
        for b in 0..<batch { for o in 0..<outFeatures {
            var sum = bias?[o] ?? 0
            for i in 0..<inFeatures { sum += x[b * inFeatures + i] * w[o * inFeatures + i] }
            y[b * outFeatures + o] = sum
        } }
        return y
    }
}
