import Foundation
import DCGANTensor

/// The arrays of a parity fixture written by `scripts/make_parity_fixture.py`: an ASCII header
/// ("DCGANPARITY 1", then "<name> <d0>x<d1>x..." per array, then "END"), followed by the
/// arrays' little-endian float32 data in header order.
struct ParityFixture {
    private(set) var arrays: [String: Tensor] = [:]
    private(set) var names: [String] = []

    enum FormatError: Error, CustomStringConvertible {
        case malformed(String)
        var description: String { switch self { case .malformed(let why): "parity fixture: \(why)" } }
    }

    /// Tests/NNTests/Fixtures/<name>, found next to this source file.
    static func url(_ name: String, filePath: String = #filePath) -> URL {
        URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
            .appendingPathComponent(name)
    }

    init(contentsOf url: URL) throws {
        let bytes = [UInt8](try Data(contentsOf: url))
        let marker = Array("\nEND\n".utf8)
        let candidates = bytes.count >= marker.count ? Array(0...(bytes.count - marker.count)) : []
        guard let end = candidates.first(where: { bytes[$0..<$0 + marker.count].elementsEqual(marker) }) else {
            throw FormatError.malformed("no END line")
        }
        guard let header = String(bytes: bytes[0..<end], encoding: .ascii) else {
            throw FormatError.malformed("header is not ASCII")
        }
        var lines = header.split(separator: "\n")
        guard lines.first == "DCGANPARITY 1" else { throw FormatError.malformed("unknown magic \(lines.first ?? "")") }
        lines.removeFirst()
        var offset = end + marker.count
        for line in lines {
            let fields = line.split(separator: " ")
            let dimensions = fields.count == 2 ? fields[1].split(separator: "x", omittingEmptySubsequences: false).map { Int($0) } : []
            let shape = dimensions.compactMap { $0 }
            guard fields.count == 2, !shape.isEmpty, shape.count == dimensions.count, shape.allSatisfy({ $0 > 0 }) else {
                throw FormatError.malformed("bad line \(line)")
            }
            let count = shape.reduce(1, *)
            guard offset + 4 * count <= bytes.count else { throw FormatError.malformed("\(fields[0]) runs past the end") }
            var values = [Float](repeating: 0, count: count)
            for i in 0..<count {
                let b = offset + 4 * i
                let bits = UInt32(bytes[b]) | UInt32(bytes[b + 1]) << 8 | UInt32(bytes[b + 2]) << 16 | UInt32(bytes[b + 3]) << 24
                values[i] = Float(bitPattern: bits)
            }
            offset += 4 * count
            let name = String(fields[0])
            arrays[name] = Tensor(shape: shape, values: values)
            names.append(name)
        }
        guard offset == bytes.count else { throw FormatError.malformed("\(bytes.count - offset) bytes after the last array") }
    }

    /// The named array; a missing name is a test failure, reported by the caller's #require.
    subscript(name: String) -> Tensor? { arrays[name] }
}

/// How far `actual` is from `expected`, relative: the largest |a - b| / max(|b|, s) over the
/// elements, where s, the scale of the array, is the root mean square of `expected`. Each element
/// is compared to its own size, except that one far below the array's typical size (a gradient
/// nearly zero by cancellation, whose digits are all rounding noise) is compared to that size.
func parityRelativeError(_ actual: [Float], _ expected: [Float]) -> Double {
    precondition(actual.count == expected.count, "parity: \(actual.count) values against \(expected.count)")
    let scale = (expected.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(expected.count, 1))).squareRoot()
    var worst = 0.0
    for (a, b) in zip(actual, expected) {
        let denominator = max(abs(Double(b)), scale, Double.leastNormalMagnitude)
        worst = max(worst, abs(Double(a) - Double(b)) / denominator)
    }
    return worst
}
