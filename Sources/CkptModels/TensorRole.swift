import CkptFormats

/// What a tensor is for, independent of how a checkpoint names it.
public enum TensorRole: String, Sendable, CaseIterable, Hashable {
    // Whole-model tensors.
    case embedding, outputNorm, outputNormBias, output, outputBias
    // Norms of a layer: `attnNorm` feeds attention (and both branches when a parallel block shares it);
    // `ffnNorm` feeds the feed-forward network; `post*` act on a sublayer's output.
    case attnNorm, attnNormBias, ffnNorm, ffnNormBias, postAttnNorm, postFfnNorm
    // Attention.
    case q, k, v, qkv, qBias, kBias, vBias, qkvBias, o, oBias, qNorm, qNormBias, kNorm, kNormBias
    // Feed-forward.
    case gate, up, gateUp, down, upBias, downBias
    // Mixture of experts (`ModelDescription.Experts`): router and its bias, DeepSeek V3's choice-only
    // correction bias, per-expert (HF) or stacked expert matrices (GGUF; transformers' fused input-major
    // `gateUp` for gpt-oss and Llama 4) with their biases, and the shared expert.
    case router, routerBias, expertScoreBias, expertGate, expertUp, expertDown, expertGateUp
    case expertGateBias, expertUpBias, expertDownBias, expertGateUpBias, sharedGate, sharedUp, sharedDown
    // gpt-oss: one learned logit per head in each attention softmax's denominator.
    case attnSinks
    // Multi-head latent attention (DeepSeek): q's factors and their norm, the latent projection with
    // `k_pe` and its norm, the latent's expansion to per-head `[k_nope | v]` (GGUF: split into k_b, v_b).
    case qA, qABias, qANorm, qB, kvA, kvABias, kvANorm, kvB, kB, vB

    /// Whether the role belongs to a layer (as opposed to the whole model).
    public var isPerLayer: Bool {
        switch self {
        case .embedding, .outputNorm, .outputNormBias, .output, .outputBias: false
        default: true
        }
    }
}

/// How one checkpoint flavour names its tensors: templates with `{L}` for the layer, `{E}` for an
/// expert and `{H}` for a head (StableLM stores one q/k-norm tensor per head).
public struct TensorNameScheme: Sendable, Equatable {
    public var global: [TensorRole: String]
    /// Prefix of every per-layer name, e.g. `model.layers.{L}.`.
    public var layerPrefix: String
    public var layer: [TensorRole: String]

    /// The name of `role` in `layer` (and `expert`/`head`), nil if this scheme has no such tensor.
    public func name(_ role: TensorRole, layer index: Int = 0, expert: Int? = nil, head: Int? = nil) -> String? {
        let template: String
        if role.isPerLayer {
            guard let suffix = layer[role] else { return nil }
            template = layerPrefix + suffix
        } else {
            guard let name = global[role] else { return nil }
            template = name
        }
        var name = template.replacingOccurrences(of: "{L}", with: String(index))
        if let expert { name = name.replacingOccurrences(of: "{E}", with: String(expert)) }
        if let head { name = name.replacingOccurrences(of: "{H}", with: String(head)) }
        return name
    }

    /// The scheme of a multimodal checkpoint (Gemma 3 4B and up, Llama 4, Mistral 3) that keeps this
    /// language model under a prefix beside its vision tower: transformers 5 writes `model.language_model.`
    /// for `model.` (the head stays `lm_head.`), older versions `language_model.model.` and
    /// `language_model.lm_head.`. Returns the scheme whose final norm `checkpoint` has, or this one.
    public func locatingLanguageModel(in checkpoint: Checkpoint) -> TensorNameScheme {
        let probe = TensorRole.outputNorm
        guard let own = name(probe), checkpoint.tensor(named: own) == nil else { return self }
        for (model, head) in [("model.language_model.", "lm_head."), ("language_model.model.", "language_model.lm_head.")] {
            var moved = self
            func relocate(_ template: String) -> String {
                if template.hasPrefix("model.") { return model + template.dropFirst("model.".count) }
                if template.hasPrefix("lm_head.") { return head + template.dropFirst("lm_head.".count) }
                return template
            }
            moved.global = global.mapValues(relocate)
            moved.layerPrefix = relocate(layerPrefix)
            if moved.name(probe).flatMap(checkpoint.tensor(named:)) != nil { return moved }
        }
        return self
    }

    /// Returns a copy with some per-layer templates replaced (nil removes the role).
    func with(_ changes: [TensorRole: String?]) -> TensorNameScheme {
        var copy = self
        for (role, template) in changes {
            if role.isPerLayer { copy.layer[role] = template } else { copy.global[role] = template }
        }
        return copy
    }

    /// llama.cpp's names, shared by every GGUF architecture (`gguf-py/gguf/constants.py`).
    public static let gguf = TensorNameScheme(
        global: [
            .embedding: "token_embd.weight", .outputNorm: "output_norm.weight", .outputNormBias: "output_norm.bias",
            .output: "output.weight", .outputBias: "output.bias",
        ],
        layerPrefix: "blk.{L}.",
        layer: [
            .attnNorm: "attn_norm.weight", .attnNormBias: "attn_norm.bias",
            .ffnNorm: "ffn_norm.weight", .ffnNormBias: "ffn_norm.bias",
            .postAttnNorm: "post_attention_norm.weight", .postFfnNorm: "post_ffw_norm.weight",
            .q: "attn_q.weight", .k: "attn_k.weight", .v: "attn_v.weight", .qkv: "attn_qkv.weight",
            .qBias: "attn_q.bias", .kBias: "attn_k.bias", .vBias: "attn_v.bias", .qkvBias: "attn_qkv.bias",
            .o: "attn_output.weight", .oBias: "attn_output.bias",
            .qNorm: "attn_q_norm.weight", .qNormBias: "attn_q_norm.bias",
            .kNorm: "attn_k_norm.weight", .kNormBias: "attn_k_norm.bias",
            .gate: "ffn_gate.weight", .up: "ffn_up.weight", .down: "ffn_down.weight",
            .upBias: "ffn_up.bias", .downBias: "ffn_down.bias",
            .router: "ffn_gate_inp.weight", .expertGate: "ffn_gate_exps.weight",
            .expertUp: "ffn_up_exps.weight", .expertDown: "ffn_down_exps.weight",
        ])

    /// transformers' Llama-style names (`model.layers.N.self_attn.q_proj.weight`…), the base of most families.
    public static let huggingFaceLlama = TensorNameScheme(
        global: [
            .embedding: "model.embed_tokens.weight", .outputNorm: "model.norm.weight", .outputNormBias: "model.norm.bias",
            .output: "lm_head.weight", .outputBias: "lm_head.bias",
        ],
        layerPrefix: "model.layers.{L}.",
        layer: [
            .attnNorm: "input_layernorm.weight", .attnNormBias: "input_layernorm.bias",
            .ffnNorm: "post_attention_layernorm.weight", .ffnNormBias: "post_attention_layernorm.bias",
            .q: "self_attn.q_proj.weight", .k: "self_attn.k_proj.weight", .v: "self_attn.v_proj.weight",
            .qBias: "self_attn.q_proj.bias", .kBias: "self_attn.k_proj.bias", .vBias: "self_attn.v_proj.bias",
            .o: "self_attn.o_proj.weight", .oBias: "self_attn.o_proj.bias",
            .qNorm: "self_attn.q_norm.weight", .kNorm: "self_attn.k_norm.weight",
            .gate: "mlp.gate_proj.weight", .up: "mlp.up_proj.weight", .down: "mlp.down_proj.weight",
            .upBias: "mlp.up_proj.bias", .downBias: "mlp.down_proj.bias",
        ])
}
