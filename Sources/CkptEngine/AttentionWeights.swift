import CkptKernels
import CkptModels

/// One layer's Q, K, V projections as `[in, out]` matrices (each checkpoint matrix transposed, the
/// layout `GEMM.multiply` takes) and their biases, whatever fused layout the checkpoint stores
/// (docs/architectures.md, "Fused projections"). The transposed matrices are kept with the layer's cached weights, so a cached
/// layer is transposed (and a fused one split) once, not for every chunk of the table.
struct AttentionWeights {
    var q: [Float]
    var k: [Float]
    var v: [Float]
    var qBias: [Float]?
    var kBias: [Float]?
    var vBias: [Float]?

    init(_ model: Engine, layer: Int) throws(ModelError) {
        let m = model.description
        let d = m.hiddenSize
        func transposed(
            _ name: String, _ role: TensorRole, outputs: Int, _ canonical: () throws(ModelError) -> [Float]?
        ) throws(ModelError) -> [Float] {
            let values = try model.derived(layer: layer, key: "transposed.\(name)") { () throws(ModelError) in
                try canonical().map { GEMM.transposed($0, rows: outputs, columns: d) }
            }
            guard let values else {
                throw ModelError(
                    file: model.model.checkpoint.path, "missing tensor \(model.model.names.name(role, layer: layer) ?? role.rawValue)")
            }
            return values
        }
        if m.qkvLayout == .separate {
            q = try transposed("q", .q, outputs: m.qWidth) { () throws(ModelError) in try model.model.floats(.q, layer: layer) }
            k = try transposed("k", .k, outputs: m.kvWidth) { () throws(ModelError) in try model.model.floats(.k, layer: layer) }
            v = try transposed("v", .v, outputs: m.kvWidth) { () throws(ModelError) in try model.model.floats(.v, layer: layer) }
            qBias = try model.floats(.qBias, layer: layer)
            kBias = try model.floats(.kBias, layer: layer)
            vBias = try model.floats(.vBias, layer: layer)
            return
        }
        // The fused matrix is decoded only to split (and transpose) it.
        let rows = Self.rowOrder(m)
        func part(_ role: TensorRole, _ indices: [Int], width: Int) throws(ModelError) -> [Float]? {
            try model.model.floats(role, layer: layer).map { Self.gather($0, rows: indices, width: width) }
        }
        q = try transposed("q", .qkv, outputs: m.qWidth) { () throws(ModelError) in try part(.qkv, rows.q, width: d) }
        k = try transposed("k", .qkv, outputs: m.kvWidth) { () throws(ModelError) in try part(.qkv, rows.k, width: d) }
        v = try transposed("v", .qkv, outputs: m.kvWidth) { () throws(ModelError) in try part(.qkv, rows.v, width: d) }
        func bias(_ name: String, _ indices: [Int]) throws(ModelError) -> [Float]? {
            try model.derived(layer: layer, key: "qkvBias.\(name)") { () throws(ModelError) in try part(.qkvBias, indices, width: 1) }
        }
        qBias = try bias("q", rows.q)
        kBias = try bias("k", rows.k)
        vBias = try bias("v", rows.v)
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
