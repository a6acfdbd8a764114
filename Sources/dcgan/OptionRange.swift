import ArgumentParser
import DCGANKit

/// Parsers for numeric options that refuse, while the command line is read, any value outside
/// the option's range: a value too large for the machine's integers, NaN, an infinity, zero or
/// a negative number where they make no sense. The release build runs without overflow checks,
/// so a value that passed here must not be able to overflow a size computed from it.
///
/// Used as `@Option(parsing: .unconditional, transform: OptionRange.integer(1...4096))`:
/// `.unconditional` lets a value start with "-" (otherwise "-1" reads as a flag and the option
/// is reported as missing its value), so that it reaches the range check. ArgumentParser names
/// the option in front of the message: "The value '-1' is invalid for '--nz <nz>': must be an
/// integer from 1 to 100000".
enum OptionRange {
    /// The refusal of one value; its description is the part after the option's name.
    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    /// Largest image side any command accepts; the memory estimate refuses what does not fit.
    static let maxImageSize = ModelConfig.maxImageSize
    /// Largest latent size, network width or hidden width.
    static let maxWidth = ModelConfig.maxWidth
    /// Largest batch or count of images made at once.
    static let maxImages = 10_000_000
    /// Largest number of iterations, epochs or steps.
    static let maxSteps = 1_000_000_000

    /// An integer in `range`.
    static func integer(_ range: ClosedRange<Int>) -> @Sendable (String) throws -> Int {
        { text in
            guard let value = Int(text), range.contains(value) else {
                throw Refusal(description: "must be an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
    }

    /// A seed: any integer from 0 to 2^64 - 1.
    static let seed: @Sendable (String) throws -> UInt64 = { text in
        guard let value = UInt64(text) else { throw Refusal(description: "must be an integer from 0 to \(UInt64.max)") }
        return value
    }

    /// A finite number between `lower` and `upper`; `openLower`/`openUpper` leave the bound out.
    static func real(_ lower: Double, _ upper: Double, openLower: Bool = false, openUpper: Bool = false) -> @Sendable (String) throws -> Double {
        { text in
            let value = Double(text)
            guard let value, value.isFinite, openLower ? value > lower : value >= lower, openUpper ? value < upper : value <= upper else {
                throw Refusal(description: "must be a finite number in \(openLower ? "(" : "[")\(format(lower)), \(format(upper))\(openUpper ? ")" : "]")")
            }
            return value
        }
    }

    /// `real`, as a Float (learning rates and other training settings).
    static func float(_ lower: Double, _ upper: Double, openLower: Bool = false, openUpper: Bool = false) -> @Sendable (String) throws -> Float {
        let parse = real(lower, upper, openLower: openLower, openUpper: openUpper)
        return { text in
            let value = Float(try parse(text))
            // 1e-50 is above 0 as a Double but rounds to 0 as a Float.
            guard !openLower || value > Float(lower) else { throw Refusal(description: "\(text) rounds to \(value) in single precision") }
            return value
        }
    }

    /// 1 rather than 1.0, 1e-06 as 1e-06.
    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
}
