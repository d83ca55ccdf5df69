/// Row-wise normalizations, computed with double-precision sums.
public enum Normalization {
    /// RMSNorm: `out[r] = x[r] / sqrt(mean(x[r]²) + eps) · (w + weightOffset)` for each row of `x (rows, width)`.
    /// `out` may alias `x`. A nil weight means all ones.
    public static func rms(
        _ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, width: Int,
        weight: UnsafePointer<Float>?, weightOffset: Float, eps: Float
    ) {
        for r in 0..<rows {
            let row = x + r * width
            var sum = 0.0
            for i in 0..<width { sum += Double(row[i]) * Double(row[i]) }
            let scale = Float(1 / (sum / Double(width) + Double(eps)).squareRoot())
            let dst = out + r * width
            for i in 0..<width {
                let w = weight.map { $0[i] + weightOffset } ?? 1
                dst[i] = row[i] * scale * w
            }
        }
    }

    /// LayerNorm: `out[r] = (x[r] − mean) / sqrt(var + eps) · w + b` (biased variance) for each row.
    /// `out` may alias `x`. Nil weight and bias mean ones and zeros.
    public static func layer(
        _ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, width: Int,
        weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, eps: Float
    ) {
        for r in 0..<rows {
            let row = x + r * width
            var sum = 0.0
            for i in 0..<width { sum += Double(row[i]) }
            let mean = sum / Double(width)
            var squares = 0.0
            for i in 0..<width {
                let centered = Double(row[i]) - mean
                squares += centered * centered
            }
            let scale = 1 / (squares / Double(width) + Double(eps)).squareRoot()
            let dst = out + r * width
            for i in 0..<width {
                var value = Float((Double(row[i]) - mean) * scale)
                if let weight { value *= weight[i] }
                if let bias { value += bias[i] }
                dst[i] = value
            }
        }
    }
}
