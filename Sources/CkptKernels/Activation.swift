#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Element-wise activations, in place over `count` values.
public enum Activations {
    /// `x · sigmoid(x)`.
    public static func silu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = x[i] / (1 + expf(-x[i])) }
    }

    /// `0.5·x·(1 + erf(x/√2))` (torch's default GELU).
    public static func geluExact(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = 0.5 * x[i] * (1 + erff(x[i] * 0.70710678118654752)) }
    }

    /// `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` (gelu_new, gelu_pytorch_tanh).
    public static func geluTanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + tanhf(0.79788456080286536 * (v + 0.044715 * v * v * v)))
        }
    }

    /// `c·tanh(x/c)`.
    public static func softcap(_ x: UnsafeMutablePointer<Float>, count: Int, cap: Float) {
        for i in 0..<count { x[i] = cap * tanhf(x[i] / cap) }
    }

    /// Numerically stable softmax of `count` values in place.
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        var maximum = -Float.infinity
        for i in 0..<count { maximum = max(maximum, x[i]) }
        var sum: Float = 0
        for i in 0..<count {
            x[i] = expf(x[i] - maximum)
            sum += x[i]
        }
        for i in 0..<count { x[i] /= sum }
    }
}
