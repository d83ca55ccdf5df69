import CkptModels

/// The attention weight matrices of one layer, as the paper counts them (no biases, no norms), and how
/// many of them the table replaces: Q, K and V, or for multi-head latent attention q's factors (or its
/// projection) and `kv_a_proj_with_mqa`, whose outputs the MLA table layout stores; `kv_b_proj` expands
/// the stored latent at run time and stays.
struct AttentionWeightCounts {
    /// Q (MLA: `q_a` and `q_b`, or `q_proj`).
    let query: Int
    /// The output projection.
    let output: Int
    /// K and V (MLA: `kv_a_proj_with_mqa` and `kv_b_proj`).
    let keyValue: Int
    /// The matrices whose work the table holds.
    let tokenLocal: Int

    init(_ m: ModelDescription) {
        let d = m.hiddenSize
        guard let mla = m.mla else {
            query = d * m.qWidth
            output = d * m.qWidth
            keyValue = 2 * d * m.kvWidth
            tokenLocal = query + keyValue
            return
        }
        query = mla.queryRank.map { $0 * (d + m.qWidth) } ?? d * m.qWidth
        output = d * m.headCount * mla.valueDim
        let latent = d * (mla.latentRank + mla.ropeDim)
        keyValue = latent + mla.latentRank * m.headCount * mla.keyValueHeadRows
        tokenLocal = query + latent
    }
}
