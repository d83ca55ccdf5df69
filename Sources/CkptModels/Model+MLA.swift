extension Model {
    /// A shape check of `checkShapes`: role, expected shape, layer, expert, head, and whether it may be absent.
    typealias ShapeExpectation = (TensorRole, [Int], Int, Int?, Int?, Bool) throws(ModelError) -> Void

    /// Multi-head latent attention's tensors of `layer` (docs/architectures.md, "Multi-head latent
    /// attention"): q's factors and norm (or one q projection), the latent projection and its norm, and
    /// `kv_b` whole (transformers, older GGUF files) or split into `attn_k_b` and `attn_v_b` (llama.cpp).
    func checkLatentAttention(_ mla: ModelDescription.MLA, layer: Int, expect: ShapeExpectation) throws(ModelError) {
        let m = description
        let d = m.hiddenSize
        if let rank = mla.queryRank {
            try expect(.qA, [rank, d], layer, nil, nil, false)
            try expect(.qABias, [rank], layer, nil, nil, true)
            try expect(.qANorm, [rank], layer, nil, nil, false)
            try expect(.qB, [m.qWidth, rank], layer, nil, nil, false)
        } else {
            try expect(.q, [m.qWidth, d], layer, nil, nil, false)
            try expect(.qBias, [m.qWidth], layer, nil, nil, true)
        }
        try expect(.kvA, [mla.latentRank + mla.ropeDim, d], layer, nil, nil, false)
        try expect(.kvABias, [mla.latentRank + mla.ropeDim], layer, nil, nil, true)
        try expect(.kvANorm, [mla.latentRank], layer, nil, nil, false)
        if names.name(.kB) == nil || tensor(.kvB, layer: layer) != nil {
            try expect(.kvB, [m.headCount * mla.keyValueHeadRows, mla.latentRank], layer, nil, nil, false)
        } else {
            try expect(.kB, [m.headCount, mla.latentRank, mla.noRopeDim], layer, nil, nil, false)
            try expect(.vB, [m.headCount, mla.valueDim, mla.latentRank], layer, nil, nil, false)
        }
    }
}
