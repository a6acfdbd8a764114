import Foundation

/// A seeded, portable random generator (xoshiro256**, seeded through SplitMix64).
///
/// The same seed gives the same numbers on every machine and every platform: the integer
/// algorithm is fully specified, and floats are made from its bits without library calls
/// other than IEEE-exact ones (`log`, `cos` in Double are rounded identically on the
/// platforms we build for).
public struct RandomGenerator: RandomNumberGenerator, Sendable, Codable, Equatable {
    /// The four 64-bit words of xoshiro256** state; saved in checkpoints to resume exactly.
    public var state: [UInt64]

    /// A generator whose whole stream is fixed by `seed`.
    public init(seed: UInt64) {
        var mix = seed
        func splitMix() -> UInt64 {
            mix &+= 0x9E37_79B9_7F4A_7C15
            var z = mix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = [splitMix(), splitMix(), splitMix(), splitMix()]
    }

    /// Restores a generator from `state` (as saved in checkpoints), continuing its stream exactly.
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 }, "invalid generator state")
        self.state = state
    }

    /// The next 64 random bits of the stream.
    public mutating func next() -> UInt64 {
        let result = ((state[1] &* 5) << 7 | (state[1] &* 5) >> 57) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = (state[3] << 45) | (state[3] >> 19)
        return result
    }

    /// Uniform in [0, 1), with 24 random bits (every Float in the grid is equally likely).
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * nextUnitFloat()
    }

    /// Standard normal sample (Box-Muller in Double, one value per call for simplicity of state).
    public mutating func normal(mean: Float = 0, std: Float = 1) -> Float {
        // 53-bit uniform in (0, 1]: never zero, so the logarithm is finite.
        let u1 = (Double(next() >> 11) + 1) * (1.0 / 9_007_199_254_740_992.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let z = (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
        return mean + std * Float(z)
    }

    /// Fills `tensor` with uniform numbers in [low, high).
    public mutating func fillUniform(_ tensor: Tensor, _ low: Float, _ high: Float) {
        for i in 0..<tensor.count { tensor[i] = uniform(low, high) }
    }

    /// Fills `tensor` with normal numbers.
    public mutating func fillNormal(_ tensor: Tensor, mean: Float = 0, std: Float = 1) {
        for i in 0..<tensor.count { tensor[i] = normal(mean: mean, std: std) }
    }

    /// A permutation of 0..<n (Fisher-Yates), reproducible from the generator's state.
    public mutating func permutation(_ n: Int) -> [Int] {
        var result = Array(0..<n)
        if n < 2 { return result }
        for i in stride(from: n - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            result.swapAt(i, j)
        }
        return result
    }
}

extension Tensor {
    /// A tensor of uniform numbers in [low, high).
    public static func uniform(_ shape: [Int], _ low: Float = 0, _ high: Float = 1, rng: inout RandomGenerator) -> Tensor {
        let t = Tensor(zeros: shape)
        rng.fillUniform(t, low, high)
        return t
    }

    /// A tensor of normal numbers.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, rng: inout RandomGenerator) -> Tensor {
        let t = Tensor(zeros: shape)
        rng.fillNormal(t, mean: mean, std: std)
        return t
    }
}
