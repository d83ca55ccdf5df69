import Foundation

/// DeepSeek V3 and V2: multi-head latent attention (docs/architectures.md, "Multi-head latent attention")
/// in serial pre-norm blocks, with dense feed-forward layers first and mixtures of experts after them.
/// llama.cpp calls both `deepseek2`: a GGUF file is V3 when its experts are gated by a sigmoid.
struct DeepSeek: Architecture {
    let families = ["deepseek_v3", "deepseek_v2"]
    let ggufArchitecture: String? = "deepseek2"

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        let file = config.file
        let width = 1...(1 << 20)
        let mla = ModelDescription.MLA(
            queryRank: try config.int("q_lora_rank", in: width),
            latentRank: try require(config.int("kv_lora_rank", in: width), "kv_lora_rank", file),
            noRopeDim: try require(config.int("qk_nope_head_dim", in: 1...(1 << 16)), "qk_nope_head_dim", file),
            ropeDim: try require(config.int("qk_rope_head_dim", in: 2...(1 << 16)), "qk_rope_head_dim", file),
            valueDim: try require(config.int("v_head_dim", in: 1...(1 << 16)), "v_head_dim", file))
        // V2 turns adjacent pairs (a complex view); V3 too unless `rope_interleave` is false.
        let interleaveFlag = try config.bool("rope_interleave") ?? true
        Self.describe(&description, mla, interleaved: description.family == "deepseek_v2" || interleaveFlag)
        if let (factor, mscaleAllDim) = try Self.yarnMagnitude(config) {
            description.attentionScale = Self.softmaxScale(mla, factor: factor, mscaleAllDim: mscaleAllDim)
        }
        try Self.refineExperts(&description, huggingFace: config)
    }

    /// llama.cpp's keys: the latent ranks, `key_length_mla` and `value_length_mla` (the per-head widths
    /// of the MLA form; `key_length` and `value_length` describe the MQA form llama.cpp runs), and YaRN's
    /// `yarn_log_multiplier`, 0.1 · transformers' `mscale_all_dim`.
    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        let metadata = gguf.metadata
        let file = metadata.file
        let keyLength = try metadata.int(".attention.key_length_mla", in: 1...(1 << 16)) ?? description.headDim
        let ropeDim = description.rope.dimensions
        guard keyLength > ropeDim else {
            throw ModelError(
                file: file, "deepseek2.attention.key_length_mla \(keyLength) leaves no room beside \(ropeDim) rotated dimensions")
        }
        let valueLength = try metadata.int(".attention.value_length_mla", ".attention.value_length", in: 1...(1 << 16)) ?? keyLength
        let mla = ModelDescription.MLA(
            queryRank: gguf.has("attn_q.weight") ? nil : try metadata.int(".attention.q_lora_rank", in: 1...(1 << 20)),
            latentRank: try require(
                metadata.int(".attention.kv_lora_rank", in: 1...(1 << 20)), "deepseek2.attention.kv_lora_rank", file),
            noRopeDim: keyLength - ropeDim, ropeDim: ropeDim, valueDim: valueLength)
        Self.describe(&description, mla, interleaved: true)
        description.family = try metadata.int(".expert_gating_func", in: 0...3) == 2 ? "deepseek_v3" : "deepseek_v2"
        // With a log multiplier cos and sin stay unscaled (the common reading; transformers' mscale over
        // mscale_all_dim, 1 in every published DeepSeek config) and YaRN's magnitude goes into the softmax scale.
        if case .yarn(let yarn) = description.rope.scaling, let multiplier = try metadata.double(".rope.scaling.yarn_log_multiplier"),
            multiplier != 0
        {
            description.attentionScale = Self.softmaxScale(mla, factor: yarn.factor, mscaleAllDim: multiplier / 0.1)
        }
        try Self.refineExperts(&description, gguf: gguf)
    }

    /// MLA in the description: `headDim` is q's and k's per-head width, every head has its own k and v,
    /// and RoPE turns the `pe` parts.
    static func describe(_ description: inout ModelDescription, _ mla: ModelDescription.MLA, interleaved: Bool) {
        description.mla = mla
        description.headDim = mla.queryHeadDim
        description.kvHeadCount = description.headCount
        description.rope.dimensions = mla.ropeDim
        description.rope.style = interleaved ? .interleaved : .neox
        description.attentionScale = Float(1 / Double(mla.queryHeadDim).squareRoot())
    }

    /// `factor` and `mscale_all_dim` of a scaled RoPE (`rope_scaling`, or transformers 5's
    /// `rope_parameters`) that sets a nonzero `mscale_all_dim`; nil otherwise.
    static func yarnMagnitude(_ config: ConfigReader) throws(ModelError) -> (factor: Double, mscaleAllDim: Double)? {
        let parameters = try config.object("rope_parameters")
        guard let object = try config.object("rope_scaling") ?? parameters else { return nil }
        let scaling = config.nested(object)
        let kind = try scaling.string("rope_type", "type") ?? "default"
        guard kind != "default", kind != "none", let all = try scaling.double("mscale_all_dim"), all != 0 else { return nil }
        return (try require(scaling.double("factor"), "rope_scaling.factor", config.file), all)
    }

    /// transformers' `yarn_apply_mscale`: `1/√(nope + pe)` times `(0.1 · mscale_all_dim · ln factor + 1)²`.
    static func softmaxScale(_ mla: ModelDescription.MLA, factor: Double, mscaleAllDim: Double) -> Float {
        let mscale = factor <= 1 ? 1 : 0.1 * mscaleAllDim * log(factor) + 1
        return Float(1 / Double(mla.queryHeadDim).squareRoot() * mscale * mscale)
    }

    /// transformers' routing (with its config defaults): V3 scores by sigmoid, picks among the best
    /// `topk_group` of `n_group` groups by score plus correction bias, renormalizes when `norm_topk_prob`;
    /// V2 takes the softmax's best (`greedy`) or the best within the groups with the largest maxima
    /// (`group_limited_greedy`), never renormalized. Both scale by `routed_scaling_factor` and add
    /// `n_shared_experts` shared experts; layers before `first_k_dense_replace` are dense.
    static func refineExperts(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        let file = config.file
        guard let count = try config.int("n_routed_experts", in: 1...1024) else { return }
        let v3 = description.family == "deepseek_v3"
        let used = try require(config.int("num_experts_per_tok", in: 1...count), "num_experts_per_tok", file)
        let width = try require(config.int("moe_intermediate_size", in: 1...(1 << 24)), "moe_intermediate_size", file)
        let dense = try config.int("first_k_dense_replace", in: 0...description.layerCount) ?? (v3 ? 3 : 0)
        guard dense < description.layerCount else { return }
        let routing: ModelDescription.Experts.Routing
        func groups() throws(ModelError) -> (Int, Int) {
            let groups = try config.int("n_group", in: 1...count) ?? (v3 ? 8 : 1)
            let kept = try config.int("topk_group", in: 1...groups) ?? (v3 ? 4 : 1)
            guard count % groups == 0 else {
                throw ModelError(file: file, "n_routed_experts \(count) is not a multiple of n_group \(groups)")
            }
            return (groups, kept)
        }
        if v3 {
            let (groups, kept) = try groups()
            routing = .sigmoidGroupLimited(groups: groups, keptGroups: kept, renormalize: try config.bool("norm_topk_prob") ?? true)
        } else {
            switch try config.string("topk_method") ?? "greedy" {
            case "greedy": routing = .softmax(renormalize: false)
            case "group_limited_greedy":
                let (groups, kept) = try groups()
                routing = .softmaxGroupLimited(groups: groups, keptGroups: kept, renormalize: false)
            case let other: throw ModelError(file: file, "topk_method \"\(other)\" is not supported (greedy, group_limited_greedy are)")
            }
        }
        var experts = ModelDescription.Experts(
            count: count, used: used, feedForwardSize: width, routing: routing, storage: .perExpert,
            layers: Set(dense..<description.layerCount))
        experts.weightScale = Float(try config.double("routed_scaling_factor") ?? (v3 ? 2.5 : 1))
        let shared = try config.int("n_shared_experts", in: 0...1024) ?? (v3 ? 1 : 2)
        experts.sharedFeedForwardSize = shared > 0 ? shared * width : nil
        description.experts = experts
    }

    /// llama.cpp's keys: `expert_gating_func` (2: sigmoid), `expert_group_count` and
    /// `expert_group_used_count`, `expert_weights_norm`, `expert_weights_scale`, `expert_shared_count`,
    /// `expert_feed_forward_length` and `leading_dense_block_count`.
    static func refineExperts(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        guard gguf.expertCount > 0 else { return }
        let metadata = gguf.metadata
        let file = metadata.file
        let count = gguf.expertCount
        let used = try require(metadata.int(".expert_used_count", in: 1...count), "deepseek2.expert_used_count", file)
        let width = try require(
            metadata.int(".expert_feed_forward_length", in: 1...(1 << 24)), "deepseek2.expert_feed_forward_length", file)
        let dense = try metadata.int(".leading_dense_block_count", in: 0...description.layerCount) ?? 0
        guard dense < description.layerCount else { return }
        let groups = try metadata.int(".expert_group_count", in: 1...count) ?? 1
        let kept = try metadata.int(".expert_group_used_count", in: 1...groups) ?? groups
        let renormalize = try metadata.bool(".expert_weights_norm") ?? false
        let routing: ModelDescription.Experts.Routing =
            description.family == "deepseek_v3"
            ? .sigmoidGroupLimited(groups: groups, keptGroups: kept, renormalize: renormalize)
            : groups > 1
                ? .softmaxGroupLimited(groups: groups, keptGroups: kept, renormalize: renormalize) : .softmax(renormalize: renormalize)
        var experts = ModelDescription.Experts(
            count: count, used: used, feedForwardSize: width, routing: routing, storage: .stacked,
            layers: Set(dense..<description.layerCount))
        experts.weightScale = Float(try metadata.double(".expert_weights_scale") ?? 1)
        let shared = try metadata.int(".expert_shared_count", in: 0...1024) ?? 0
        experts.sharedFeedForwardSize = shared > 0 ? shared * width : nil
        description.experts = experts
    }

    func huggingFaceNames(for description: ModelDescription) -> TensorNameScheme {
        TensorNameScheme.huggingFaceLlama.with([
            .k: nil, .v: nil, .kBias: nil, .vBias: nil, .qNorm: nil, .kNorm: nil,
            .qA: "self_attn.q_a_proj.weight", .qABias: "self_attn.q_a_proj.bias", .qANorm: "self_attn.q_a_layernorm.weight",
            .qB: "self_attn.q_b_proj.weight", .kvA: "self_attn.kv_a_proj_with_mqa.weight",
            .kvABias: "self_attn.kv_a_proj_with_mqa.bias", .kvANorm: "self_attn.kv_a_layernorm.weight",
            .kvB: "self_attn.kv_b_proj.weight",
            .router: "mlp.gate.weight", .expertScoreBias: "mlp.gate.e_score_correction_bias",
            .expertGate: "mlp.experts.{E}.gate_proj.weight", .expertUp: "mlp.experts.{E}.up_proj.weight",
            .expertDown: "mlp.experts.{E}.down_proj.weight", .sharedGate: "mlp.shared_experts.gate_proj.weight",
            .sharedUp: "mlp.shared_experts.up_proj.weight", .sharedDown: "mlp.shared_experts.down_proj.weight",
        ])
    }

    /// llama.cpp splits `kv_b` into `attn_k_b` and `attn_v_b` (files from before that keep `attn_kv_b`).
    func ggufNames(for description: ModelDescription) -> TensorNameScheme {
        TensorNameScheme.gguf.with([
            .k: nil, .v: nil, .qkv: nil, .kBias: nil, .vBias: nil, .qkvBias: nil, .qNorm: nil, .kNorm: nil,
            .qA: "attn_q_a.weight", .qABias: "attn_q_a.bias", .qANorm: "attn_q_a_norm.weight", .qB: "attn_q_b.weight",
            .kvA: "attn_kv_a_mqa.weight", .kvABias: "attn_kv_a_mqa.bias", .kvANorm: "attn_kv_a_norm.weight",
            .kvB: "attn_kv_b.weight", .kB: "attn_k_b.weight", .vB: "attn_v_b.weight",
            .expertScoreBias: "exp_probs_b.bias", .sharedGate: "ffn_gate_shexp.weight", .sharedUp: "ffn_up_shexp.weight",
            .sharedDown: "ffn_down_shexp.weight",
        ])
    }

    /// The attention input norm and everything up to the latent: q's factors and norm (or q), the latent
    /// projection with `k_pe` and the latent's norm. `kv_b` stays: the table holds the latent.
    func firstLayerDrops(for description: ModelDescription) -> [TensorRole] {
        [.attnNorm, .attnNormBias, .qA, .qABias, .qANorm, .qB, .q, .qBias, .kvA, .kvABias, .kvANorm]
    }
}
