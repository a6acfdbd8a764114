import Foundation

/// Walks through the latent space (the paper's section 6.1, Fig. 4): smooth paths between
/// random points, whose images should change smoothly if the generator has not memorised.
public enum LatentPaths {
    /// How a path moves between two points.
    public enum Mode: String, CaseIterable, Sendable {
        /// Straight lines: z(t) = (1 - t) z0 + t z1.
        case linear
        /// Great circles (spherical interpolation), which keep the norm of equal-norm points.
        case slerp
    }

    /// (1 - t) a + t b.
    public static func lerp(_ a: [Float], _ b: [Float], t: Float) -> [Float] {
        precondition(a.count == b.count, "interpolation needs vectors of one length")
        return (0..<a.count).map { (1 - t) * a[$0] + t * b[$0] }
    }

    /// Spherical interpolation: sin((1 - t)Ω)/sin Ω a + sin(tΩ)/sin Ω b, with Ω the angle
    /// between a and b. Where sin Ω is about 0 (parallel or opposite vectors, or a zero
    /// vector) the great circle is not defined and this falls back to `lerp`.
    /// t = 0 gives a and t = 1 gives b exactly.
    public static func slerp(_ a: [Float], _ b: [Float], t: Float) -> [Float] {
        precondition(a.count == b.count, "interpolation needs vectors of one length")
        // Double, because the cosine of a small angle loses most of its digits in Float.
        var dot = 0.0, normA = 0.0, normB = 0.0
        for i in 0..<a.count {
            dot += Double(a[i]) * Double(b[i])
            normA += Double(a[i]) * Double(a[i])
            normB += Double(b[i]) * Double(b[i])
        }
        let normProduct = (normA * normB).squareRoot()
        guard normProduct > 0 else { return lerp(a, b, t: t) }
        let omega = acos(min(1, max(-1, dot / normProduct)))
        let sinOmega = sin(omega)
        guard sinOmega > 1e-6 else { return lerp(a, b, t: t) }
        let weightA = sin((1 - Double(t)) * omega) / sinOmega, weightB = sin(Double(t) * omega) / sinOmega
        return (0..<a.count).map { Float(weightA * Double(a[$0]) + weightB * Double(b[$0])) }
    }

    /// One value of `mode`'s interpolation.
    public static func interpolate(_ a: [Float], _ b: [Float], t: Float, mode: Mode) -> [Float] {
        mode == .linear ? lerp(a, b, t: t) : slerp(a, b, t: t)
    }

    /// The number of vectors on one path through `points` points with `steps` per segment.
    public static func pathLength(points: Int, steps: Int) -> Int { (points - 1) * steps + 1 }

    /// Paths through series of points, flattened row after row.
    ///
    /// `rows[r]` is path r's series of P points (each of one dimension d). Each segment from
    /// point j to point j + 1 contributes `steps` vectors, at t = 0, 1/S, ..., (S - 1)/S, and
    /// the path ends with its last point: (P - 1) * S + 1 vectors per path, point j exactly
    /// at position j * S (copied, not computed). The result holds R * ((P - 1) * S + 1)
    /// vectors of d values: path r's vector i at offset (r * pathLength + i) * d.
    public static func paths(through rows: [[[Float]]], steps: Int, mode: Mode) -> [Float] {
        precondition(steps >= 1, "a path needs at least one step per segment")
        var result = [Float]()
        for points in rows {
            precondition(points.count >= 2, "a path needs at least two points")
            result.reserveCapacity(rows.count * pathLength(points: points.count, steps: steps) * points[0].count)
            for j in 0..<(points.count - 1) {
                result += points[j]
                for step in 1..<steps {
                    result += interpolate(points[j], points[j + 1], t: Float(step) / Float(steps), mode: mode)
                }
            }
            result += points[points.count - 1]
        }
        return result
    }
}
