#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Rotary position embedding over the first `dimensions` of each head (docs/architectures.md, "Rotary embedding").
public struct RotaryEmbedding: Sendable {
    public enum Pairing: Sendable {
        /// Pair `(j, j + R/2)` (rotate-half, HF layout).
        case half
        /// Pair `(2j, 2j + 1)` (GPT-J, ggml NORM, llama.cpp's permuted Q/K).
        case adjacent
    }

    public let pairing: Pairing
    public let dimensions: Int
    /// `θ_j` per pair, `R/2` values.
    public let inverseFrequencies: [Double]
    /// The multiplier of cos and sin (YaRN's and LongRoPE's attention factor; 1 otherwise).
    public let scale: Float

    public init(pairing: Pairing, dimensions: Int, inverseFrequencies: [Double], scale: Float = 1) {
        precondition(inverseFrequencies.count == dimensions / 2)
        self.pairing = pairing
        self.dimensions = dimensions
        self.inverseFrequencies = inverseFrequencies
        self.scale = scale
    }

    /// `base^(−2j/R)` for `j < R/2`, as transformers computes them in float32.
    public static func standardFrequencies(base: Double, dimensions: Int) -> [Double] {
        (0..<(dimensions / 2)).map { j in
            Double(1 / Float(pow(base, Double(2 * j) / Double(dimensions))))
        }
    }

    /// Rotates `x (rows, heads·headDim)`; row `r` is at position `positions[r]`.
    public func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, heads: Int, headDim: Int, positions: [Int]) {
        let half = dimensions / 2
        var cosines = [Float](repeating: 0, count: half)
        var sines = [Float](repeating: 0, count: half)
        for r in 0..<rows {
            for j in 0..<half {
                let angle = Float(Double(positions[r]) * inverseFrequencies[j])
                cosines[j] = cosf(angle) * scale
                sines[j] = sinf(angle) * scale
            }
            for h in 0..<heads {
                let head = x + r * heads * headDim + h * headDim
                for j in 0..<half {
                    let (a, b) = pairing == .half ? (j, j + half) : (2 * j, 2 * j + 1)
                    let x0 = head[a]
                    let x1 = head[b]
                    head[a] = x0 * cosines[j] - x1 * sines[j]
                    head[b] = x1 * cosines[j] + x0 * sines[j]
                }
            }
        }
    }
}
