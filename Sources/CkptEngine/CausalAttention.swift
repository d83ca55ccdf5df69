import CkptKernels
import Foundation

/// Scaled dot-product attention with a causal mask (and an optional sliding window or chunk, soft-cap,
/// sinks and query temperature), grouped-query: query head `h` reads key/value head `h / (heads / kvHeads)`.
/// Values may be narrower or wider than queries and keys (multi-head latent attention's `v_head_dim`).
struct CausalAttention {
    var heads: Int
    var kvHeads: Int
    var headDim: Int
    var scale: Float
    var softcap: Float?
    /// Keys at distance ≥ window are masked (transformers' sliding-window rule).
    var window: Int?
    /// Width of each value head, `headDim` when nil.
    var valueDim: Int? = nil
    /// Keys outside the query's chunk of this many positions are masked (Llama 4's chunked attention).
    var chunk: Int? = nil
    /// Per head, a logit added to each softmax's denominator only (gpt-oss sinks).
    var sinks: [Float]? = nil
    /// Multiplies q at position `p` by `log(floor((p + 1) / floorScale) + 1) · scale + 1` (Llama 4's NoPE layers).
    var temperature: (floorScale: Float, scale: Float)? = nil

    /// `q (n, heads·hd)`, `k (n, kvHeads·hd)`, `v (n, kvHeads·vd)` → context `(n, heads·vd)`. The rows may
    /// hold several sequences back to back, each at positions 0, 1, …: row `i` attends only to rows of
    /// its own sequence, `i − positions[i]` to `i`.
    func apply(q: [Float], k: [Float], v: [Float], positions: [Int]) -> [Float] {
        let n = positions.count
        let hd = headDim
        let vd = valueDim ?? headDim
        let group = heads / kvHeads
        var out = [Float](repeating: 0, count: n * heads * vd)
        var scores = [Float](repeating: 0, count: n + 1)
        let queryScales = positions.map { p in
            temperature.map { log1pf((Float(p + 1) / $0.floorScale).rounded(.down)) * $0.scale + 1 } ?? 1
        }
        for h in 0..<heads {
            let g = h / group
            for i in 0..<n {
                var first = max(i - positions[i], window.map { i - $0 + 1 } ?? 0)
                if let chunk { first = max(first, i - positions[i] % chunk) }
                let count = i - first + 1
                let qOffset = (i * heads + h) * hd
                let queryScale = queryScales[i]
                for j in first...i {
                    let kOffset = (j * kvHeads + g) * hd
                    var dot: Float = 0
                    for c in 0..<hd { dot += q[qOffset + c] * queryScale * k[kOffset + c] }
                    scores[j - first] = dot * scale
                }
                scores.withUnsafeMutableBufferPointer { s in
                    if let softcap { Activations.softcap(s.baseAddress!, count: count, cap: softcap) }
                    if let sinks { s[count] = sinks[h] }
                    Activations.softmax(s.baseAddress!, count: sinks == nil ? count : count + 1)
                }
                let outOffset = (i * heads + h) * vd
                for j in first...i {
                    let p = scores[j - first]
                    let vOffset = (j * kvHeads + g) * vd
                    for c in 0..<vd { out[outOffset + c] += p * v[vOffset + c] }
                }
            }
        }
        return out
    }
}
