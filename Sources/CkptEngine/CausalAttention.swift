import CkptKernels

/// Scaled dot-product attention with a causal mask (and an optional sliding window and soft-cap),
/// grouped-query: query head `h` reads key/value head `h / (heads / kvHeads)`.
struct CausalAttention {
    var heads: Int
    var kvHeads: Int
    var headDim: Int
    var scale: Float
    var softcap: Float?
    /// Keys at distance ≥ window are masked (transformers' sliding-window rule).
    var window: Int?

    /// `q (n, heads·hd)`, `k, v (n, kvHeads·hd)` → context `(n, heads·hd)`.
    func apply(q: [Float], k: [Float], v: [Float], positions: [Int]) -> [Float] {
        let n = positions.count
        let hd = headDim
        let group = heads / kvHeads
        var out = [Float](repeating: 0, count: n * heads * hd)
        var scores = [Float](repeating: 0, count: n)
        for h in 0..<heads {
            let g = h / group
            for i in 0..<n {
                let first = window.map { max(0, i - $0 + 1) } ?? 0
                let count = i - first + 1
                let qOffset = (i * heads + h) * hd
                for j in first...i {
                    let kOffset = (j * kvHeads + g) * hd
                    var dot: Float = 0
                    for c in 0..<hd { dot += q[qOffset + c] * k[kOffset + c] }
                    scores[j - first] = dot * scale
                }
                scores.withUnsafeMutableBufferPointer { s in
                    if let softcap { Activations.softcap(s.baseAddress!, count: count, cap: softcap) }
                    Activations.softmax(s.baseAddress!, count: count)
                }
                for j in first...i {
                    let p = scores[j - first]
                    let vOffset = (j * kvHeads + g) * hd
                    for c in 0..<hd { out[qOffset + c] += p * v[vOffset + c] }
                }
            }
        }
        return out
    }
}
