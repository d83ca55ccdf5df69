import CkptFormats

extension SplitMix64 {
    /// Uniform in [-1, 1).
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) / Float(1 << 23) - 1
    }
}
