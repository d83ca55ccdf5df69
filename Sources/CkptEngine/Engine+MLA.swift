import CkptKernels
import CkptModels

extension Engine {
    /// Multi-head latent attention's token-local part (docs/architectures.md, "Multi-head latent
    /// attention"): from the block's normalised input `h (n, d)`, q (`q_b(norm(q_a h))` or `q_proj h`,
    /// pre-RoPE), the latent `c_kv` after `kv_a_layernorm`, and the shared pre-RoPE key head `k_pe`;
    /// `x` is the residual stream. For layer 0 this is one row of the MLA table layout.
    func latentTokenLocal(residual x: [Float], input h: [Float], rows n: Int, layer: Int, mla: ModelDescription.MLA)
        throws(ModelError) -> TokenLocal
    {
        let m = description
        let latentNorm = ModelDescription.Norm.rms(eps: mla.latentNormEps, weightOffset: 0)
        let q: [Float]
        if let rank = mla.queryRank {
            let a = linear(h, rows: n, try required(.qA, layer: layer), bias: try floats(.qABias, layer: layer), outputs: rank)
            let normalized = Self.normalize(
                a, rows: n, width: rank, norm: latentNorm, weight: try required(.qANorm, layer: layer), bias: nil)
            q = linear(normalized, rows: n, try required(.qB, layer: layer), bias: nil, outputs: m.qWidth)
        } else {
            q = linear(h, rows: n, try required(.q, layer: layer), bias: try floats(.qBias, layer: layer), outputs: m.qWidth)
        }
        let width = mla.latentRank + mla.ropeDim
        let compressed = linear(h, rows: n, try required(.kvA, layer: layer), bias: try floats(.kvABias, layer: layer), outputs: width)
        var latent = [Float]()
        var keyRope = [Float]()
        latent.reserveCapacity(n * mla.latentRank)
        keyRope.reserveCapacity(n * mla.ropeDim)
        for r in 0..<n {
            latent += compressed[(r * width)..<(r * width + mla.latentRank)]
            keyRope += compressed[(r * width + mla.latentRank)..<((r + 1) * width)]
        }
        latent = Self.normalize(
            latent, rows: n, width: mla.latentRank, norm: latentNorm, weight: try required(.kvANorm, layer: layer), bias: nil)
        return TokenLocal(residual: x, q: q, latent: latent, keyRope: keyRope)
    }

    /// The attention sublayer of multi-head latent attention from its token-local part: `kv_b` expands the
    /// latent into each head's `[k_nope | v]`, RoPE turns q's `pe` parts and `k_pe` (shared by every
    /// head), scores over `[nope | pe]` at `attentionScale`, and the output projection with its bias.
    func attendLatent(_ local: TokenLocal, layer: Int, positions: [Int], mla: ModelDescription.MLA) throws(ModelError) -> [Float] {
        let m = description
        let n = positions.count
        let heads = m.headCount
        let (qkDim, nope, valueDim) = (mla.queryHeadDim, mla.noRopeDim, mla.valueDim)
        let expanded = linear(
            local.latent, rows: n, try latentExpansion(layer: layer, mla: mla), bias: nil, outputs: heads * mla.keyValueHeadRows)
        var q = local.q
        var keyRope = local.keyRope
        if let rope = m.rope(layer: layer) {
            // The pe part ends each head of q: rotate from its offset with the head's stride.
            q.withUnsafeMutableBufferPointer {
                rotate($0.baseAddress! + nope, rope: rope, heads: heads, headDim: qkDim, positions: positions)
            }
            rotate(&keyRope, rope: rope, heads: 1, headDim: mla.ropeDim, positions: positions)
        }
        var k = [Float](repeating: 0, count: n * heads * qkDim)
        var v = [Float](repeating: 0, count: n * heads * valueDim)
        for r in 0..<n {
            for h in 0..<heads {
                let source = (r * heads + h) * mla.keyValueHeadRows
                let key = (r * heads + h) * qkDim
                k.replaceSubrange(key..<(key + nope), with: expanded[source..<(source + nope)])
                k.replaceSubrange((key + nope)..<(key + qkDim), with: keyRope[(r * mla.ropeDim)..<((r + 1) * mla.ropeDim)])
                let value = (r * heads + h) * valueDim
                v.replaceSubrange(value..<(value + valueDim), with: expanded[(source + nope)..<(source + mla.keyValueHeadRows)])
            }
        }
        let window = m.slidingLayers.contains(layer) ? m.slidingWindow : nil
        let context = CausalAttention(
            heads: heads, kvHeads: heads, headDim: qkDim, scale: m.attentionScale, softcap: m.attentionSoftcap, window: window,
            valueDim: valueDim
        ).apply(q: q, k: k, v: v, positions: positions)
        return linear(context, rows: n, try required(.o, layer: layer), bias: try floats(.oBias, layer: layer), outputs: m.hiddenSize)
    }

    /// `kv_b` as transformers stores it, `(heads·(nope + v), rank)`: per head the k_nope rows, then the v
    /// rows. llama.cpp splits it into `attn_k_b` `(heads, rank, nope)`, each head's k part transposed, and
    /// `attn_v_b` `(heads, v, rank)`; those are put back together (once per cached layer).
    func latentExpansion(layer: Int, mla: ModelDescription.MLA) throws(ModelError) -> [Float] {
        if let whole = try floats(.kvB, layer: layer) { return whole }
        let expansion = try derived(layer: layer, key: "kvB") { () throws(ModelError) -> [Float]? in
            let keys = try required(.kB, layer: layer)
            let values = try required(.vB, layer: layer)
            let (rank, nope, valueDim) = (mla.latentRank, mla.noRopeDim, mla.valueDim)
            var out = [Float]()
            out.reserveCapacity(keys.count + values.count)
            for h in 0..<description.headCount {
                for i in 0..<nope {
                    for c in 0..<rank { out.append(keys[(h * rank + c) * nope + i]) }
                }
                out += values[(h * valueDim * rank)..<((h + 1) * valueDim * rank)]
            }
            return out
        }
        return expansion ?? []
    }
}
