import CkptKernels
import CkptModels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension RotaryEmbedding {
    /// The rotary embedding `rope` gives a sequence of `length` tokens, with transformers' frequencies for
    /// every scaling (docs/architectures.md, "RoPE scaling"): dynamic NTK and LongRoPE depend on the length.
    init(_ rope: ModelDescription.Rope, sequenceLength length: Int) {
        let r = rope.dimensions
        var frequencies = Self.standardFrequencies(base: rope.theta, dimensions: r)
        var scale = 1.0
        switch rope.scaling {
        case .none: break
        case .linear(let factor):
            frequencies = frequencies.map { $0 / factor }
        case .frequencyFactors(let factors):
            frequencies = zip(frequencies, factors).map { Double(Float($0) / $1) }
        case .llama3(let factor, let low, let high, let original):
            let lowWavelength = original / low
            let highWavelength = original / high
            frequencies = frequencies.map { f in
                let wavelength = 2 * Double.pi / f
                if wavelength < highWavelength { return f }
                if wavelength > lowWavelength { return f / factor }
                let smooth = (original / wavelength - low) / (high - low)
                return (1 - smooth) * f / factor + smooth * f
            }
        case .yarn(let yarn):
            frequencies = Self.yarnFrequencies(yarn, base: rope.theta, dimensions: r)
            scale = yarn.attentionFactor
        case .longRope(let longRope):
            let divisors = Double(length) > longRope.originalContext ? longRope.long : longRope.short
            frequencies = zip(frequencies, divisors).map { Double(Float($0) / Float($1)) }
            scale = longRope.attentionFactor
        case .dynamic(let factor, let originalContext):
            if Double(length) > originalContext {
                let grown = factor * Double(length) / originalContext - (factor - 1)
                let base = rope.theta * pow(grown, Double(r) / Double(r - 2))
                frequencies = Self.standardFrequencies(base: base, dimensions: r)
            }
        }
        self.init(
            pairing: rope.style == .neox ? .half : .adjacent, dimensions: r, inverseFrequencies: frequencies, scale: Float(scale))
    }

    /// YaRN's blend of interpolated (`f / factor`) and original frequencies: pairs whose wavelength fits
    /// the original context more than `betaFast` times keep theirs, fewer than `betaSlow` times are
    /// interpolated, a linear ramp between (transformers' float32 arithmetic).
    static func yarnFrequencies(_ yarn: ModelDescription.Rope.YaRN, base: Double, dimensions r: Int) -> [Double] {
        func correctionDimension(_ rotations: Double) -> Double {
            Double(r) * log(yarn.originalContext / (rotations * 2 * Double.pi)) / (2 * log(base))
        }
        var low = correctionDimension(yarn.betaFast)
        var high = correctionDimension(yarn.betaSlow)
        if yarn.truncate {
            low = low.rounded(.down)
            high = high.rounded(.up)
        }
        low = max(low, 0)
        high = min(high, Double(r - 1))
        if low == high { high += 0.001 }
        return (0..<(r / 2)).map { j in
            let power = Float(pow(Float(base), Float(2 * j) / Float(r)))
            let ramp = min(max((Float(j) - Float(low)) / Float(high - low), 0), 1)
            let extrapolation = 1 - ramp
            let interpolated = 1 / (Float(yarn.factor) * power)
            return Double(interpolated * (1 - extrapolation) + (1 / power) * extrapolation)
        }
    }
}
