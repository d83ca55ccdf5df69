import CkptModels

/// One layer's Q, K, V projections in canonical form — `[out, in]` matrices per projection and their
/// biases — whatever fused layout the checkpoint stores (ARCHITECTURES.md §1a).
struct AttentionWeights {
    var q: [Float]
    var k: [Float]
    var v: [Float]
    var qBias: [Float]?
    var kBias: [Float]?
    var vBias: [Float]?

    init(_ model: Engine, layer: Int) throws(ModelError) {
        let m = model.description
        if m.qkvLayout == .separate {
            q = try model.required(.q, layer: layer)
            k = try model.required(.k, layer: layer)
            v = try model.required(.v, layer: layer)
            qBias = try model.floats(.qBias, layer: layer)
            kBias = try model.floats(.kBias, layer: layer)
            vBias = try model.floats(.vBias, layer: layer)
            return
        }
        let fused = try model.required(.qkv, layer: layer)
        let fusedBias = try model.floats(.qkvBias, layer: layer)
        let rows = Self.rowOrder(m)
        (q, k, v) = Self.split(fused, rows: rows, width: m.hiddenSize)
        if let fusedBias {
            let (qb, kb, vb) = Self.split(fusedBias, rows: rows, width: 1)
            (qBias, kBias, vBias) = (qb, kb, vb)
        }
    }

    /// For each output row of Q, then K, then V: its row in the fused tensor.
    static func rowOrder(_ m: ModelDescription) -> (q: [Int], k: [Int], v: [Int]) {
        let hd = m.headDim
        switch m.qkvLayout {
        case .separate, .fused:
            let q = Array(0..<m.qWidth)
            let k = Array(m.qWidth..<(m.qWidth + m.kvWidth))
            return (q, k, Array((m.qWidth + m.kvWidth)..<(m.qWidth + 2 * m.kvWidth)))
        case .fusedPerHead:
            // [q_h | k_h | v_h] per head.
            func rows(_ part: Int) -> [Int] { (0..<m.headCount).flatMap { h in (0..<hd).map { (3 * h + part) * hd + $0 } } }
            return (rows(0), rows(1), rows(2))
        case .fusedGrouped:
            // Per KV group g: r query heads, then k_g, then v_g.
            let r = m.headCount / m.kvHeadCount
            let group = (r + 2) * hd
            let q = (0..<m.kvHeadCount).flatMap { g in (0..<(r * hd)).map { g * group + $0 } }
            let k = (0..<m.kvHeadCount).flatMap { g in (0..<hd).map { g * group + r * hd + $0 } }
            let v = (0..<m.kvHeadCount).flatMap { g in (0..<hd).map { g * group + (r + 1) * hd + $0 } }
            return (q, k, v)
        }
    }

    /// Gathers rows of a `(rows, width)` matrix into three matrices.
    static func split(_ fused: [Float], rows: (q: [Int], k: [Int], v: [Int]), width: Int) -> ([Float], [Float], [Float]) {
        func gather(_ indices: [Int]) -> [Float] {
            var out = [Float](repeating: 0, count: indices.count * width)
            for (i, row) in indices.enumerated() {
                for c in 0..<width { out[i * width + c] = fused[row * width + c] }
            }
            return out
        }
        return (gather(rows.q), gather(rows.k), gather(rows.v))
    }
}
