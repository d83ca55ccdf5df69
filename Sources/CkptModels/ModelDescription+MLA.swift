extension ModelDescription {
    /// Multi-head latent attention, DeepSeek V2/V3's (docs/architectures.md, "Multi-head latent attention"):
    /// q is `q_b(norm(q_a(x)))` (or one `q_proj`), each head `[nope | pe]`; one projection of x gives the
    /// latent `c_kv` and a single key head `k_pe`, both shared by every head; `kv_b(norm(c_kv))` gives each
    /// head's `[k_nope | v]`. RoPE turns only the `pe` parts (`rope.dimensions` wide). A description with
    /// MLA has `headDim` = nope + pe (so `qWidth` is q's width and `attentionScale` starts from
    /// `1/√(nope + pe)`) and as many key/value heads as query heads.
    public struct MLA: Sendable, Equatable {
        /// Rank of q's factorisation (`q_lora_rank`), nil when q is one projection (DeepSeek-V2-Lite).
        public var queryRank: Int?
        /// Width of the latent `c_kv` (`kv_lora_rank`).
        public var latentRank: Int
        /// Per-head width of q and k without RoPE (`qk_nope_head_dim`).
        public var noRopeDim: Int
        /// Per-head width of the rotated parts and of `k_pe` (`qk_rope_head_dim`).
        public var ropeDim: Int
        /// Per-head width of v (`v_head_dim`).
        public var valueDim: Int
        /// eps of the latent norms `q_a_layernorm` and `kv_a_layernorm`: transformers builds them with its
        /// RMSNorm default, 1e-6, whatever `rms_norm_eps` says.
        public var latentNormEps: Float

        public init(queryRank: Int?, latentRank: Int, noRopeDim: Int, ropeDim: Int, valueDim: Int, latentNormEps: Float = 1e-6) {
            self.queryRank = queryRank
            self.latentRank = latentRank
            self.noRopeDim = noRopeDim
            self.ropeDim = ropeDim
            self.valueDim = valueDim
            self.latentNormEps = latentNormEps
        }

        /// Per-head width of q and k: `noRopeDim + ropeDim`.
        public var queryHeadDim: Int { noRopeDim + ropeDim }

        /// Output rows of `kv_b` per head: `[k_nope | v]`.
        public var keyValueHeadRows: Int { noRopeDim + valueDim }
    }
}
