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
        // The split matrices are kept with the layer's weights (the fused one is decoded only to split
        // it), so a cached layer is split once, not for every chunk of the table.
        let rows = Self.rowOrder(m)
        func part(_ name: String, _ role: TensorRole, _ indices: [Int], width: Int) throws(ModelError) -> [Float]? {
            try model.derived(layer: layer, key: "\(role.rawValue).\(name)") { () throws(ModelError) in
                try model.model.floats(role, layer: layer).map { Self.gather($0, rows: indices, width: width) }
            }
        }
        guard let q = try part("q", .qkv, rows.q, width: m.hiddenSize), let k = try part("k", .qkv, rows.k, width: m.hiddenSize),
            let v = try part("v", .qkv, rows.v, width: m.hiddenSize)
        else {
            throw ModelError(file: model.model.checkpoint.path, "missing tensor \(model.model.names.name(.qkv, layer: layer) ?? "qkv")")
        }
        (self.q, self.k, self.v) = (q, k, v)
        qBias = try part("q", .qkvBias, rows.q, width: 1)
        kBias = try part("k", .qkvBias, rows.k, width: 1)
        vBias = try part("v", .qkvBias, rows.v, width: 1)
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

    /// Rows `indices` of a `(rows, width)` matrix, in that order.
    static func gather(_ matrix: [Float], rows indices: [Int], width: Int) -> [Float] {
        var out = [Float]()
        out.reserveCapacity(indices.count * width)
        for row in indices { out += matrix[(row * width)..<((row + 1) * width)] }
        return out
    }
}
