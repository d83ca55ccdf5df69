extension TensorNameScheme {
    /// The names `description`'s checkpoint uses.
    public static func scheme(for description: ModelDescription) -> TensorNameScheme {
        switch description.naming {
        case .gguf:
            switch description.family {
            case .phi3: return gguf.with([.gateUp: "ffn_up.weight", .up: nil, .gate: nil])
            case .falcon where description.block == .parallel(sharedNorm: false):
                // llama.cpp stores ln_attn as attn_norm_2 and ln_mlp as attn_norm.
                return gguf.with([
                    .attnNorm: "attn_norm_2.weight", .attnNormBias: "attn_norm_2.bias",
                    .ffnNorm: "attn_norm.weight", .ffnNormBias: "attn_norm.bias",
                ])
            default: return gguf
            }
        case .huggingFace:
            if description.family == .falcon, description.block == .parallel(sharedNorm: false) {
                return huggingFace(.falcon).with(falconTwoNorms)
            }
            return huggingFace(description.family)
        }
    }

    /// transformers' names for each family (docs/architectures.md, "Tensor names").
    static func huggingFace(_ family: ArchitectureFamily) -> TensorNameScheme {
        let base = huggingFaceLlama
        switch family {
        case .llama, .mistral, .qwen2, .qwen3, .gemma, .cohere:
            return base
        case .mixtral:
            return base.with([
                .gate: nil, .up: nil, .down: nil, .router: "block_sparse_moe.gate.weight",
                .expertGate: "block_sparse_moe.experts.{E}.w1.weight", .expertUp: "block_sparse_moe.experts.{E}.w3.weight",
                .expertDown: "block_sparse_moe.experts.{E}.w2.weight",
            ])
        case .gemma2:
            return base.with([
                .ffnNorm: "pre_feedforward_layernorm.weight", .postAttnNorm: "post_attention_layernorm.weight",
                .postFfnNorm: "post_feedforward_layernorm.weight",
            ])
        case .olmo2:
            return base.with([
                .attnNorm: nil, .ffnNorm: nil, .postAttnNorm: "post_attention_layernorm.weight",
                .postFfnNorm: "post_feedforward_layernorm.weight",
            ])
        case .phi3:
            return base.with([
                .q: nil, .k: nil, .v: nil, .qkv: "self_attn.qkv_proj.weight", .gate: nil, .up: nil,
                .gateUp: "mlp.gate_up_proj.weight",
            ])
        case .stablelm:
            return base.with([
                .qNorm: "self_attn.q_layernorm.norms.{H}.weight", .kNorm: "self_attn.k_layernorm.norms.{H}.weight",
            ])
        case .starcoder2:
            return base.with([
                .gate: nil, .up: "mlp.c_fc.weight", .upBias: "mlp.c_fc.bias", .down: "mlp.c_proj.weight",
                .downBias: "mlp.c_proj.bias",
            ])
        case .phi:
            return base.with([
                .outputNorm: "model.final_layernorm.weight", .outputNormBias: "model.final_layernorm.bias",
                .o: "self_attn.dense.weight", .oBias: "self_attn.dense.bias", .gate: nil,
                .up: "mlp.fc1.weight", .upBias: "mlp.fc1.bias", .down: "mlp.fc2.weight", .downBias: "mlp.fc2.bias",
                .qNorm: "self_attn.q_layernorm.weight", .qNormBias: "self_attn.q_layernorm.bias",
                .kNorm: "self_attn.k_layernorm.weight", .kNormBias: "self_attn.k_layernorm.bias",
            ])
        case .gptNeoX:
            return TensorNameScheme(
                global: [
                    .embedding: "gpt_neox.embed_in.weight", .output: "embed_out.weight",
                    .outputNorm: "gpt_neox.final_layer_norm.weight", .outputNormBias: "gpt_neox.final_layer_norm.bias",
                ],
                layerPrefix: "gpt_neox.layers.{L}.",
                layer: [
                    .attnNorm: "input_layernorm.weight", .attnNormBias: "input_layernorm.bias",
                    .ffnNorm: "post_attention_layernorm.weight", .ffnNormBias: "post_attention_layernorm.bias",
                    .qkv: "attention.query_key_value.weight", .qkvBias: "attention.query_key_value.bias",
                    .o: "attention.dense.weight", .oBias: "attention.dense.bias",
                    .up: "mlp.dense_h_to_4h.weight", .upBias: "mlp.dense_h_to_4h.bias",
                    .down: "mlp.dense_4h_to_h.weight", .downBias: "mlp.dense_4h_to_h.bias",
                ])
        case .gptj:
            return TensorNameScheme(
                global: [
                    .embedding: "transformer.wte.weight", .output: "lm_head.weight", .outputBias: "lm_head.bias",
                    .outputNorm: "transformer.ln_f.weight", .outputNormBias: "transformer.ln_f.bias",
                ],
                layerPrefix: "transformer.h.{L}.",
                layer: [
                    .attnNorm: "ln_1.weight", .attnNormBias: "ln_1.bias",
                    .q: "attn.q_proj.weight", .k: "attn.k_proj.weight", .v: "attn.v_proj.weight", .o: "attn.out_proj.weight",
                    .up: "mlp.fc_in.weight", .upBias: "mlp.fc_in.bias", .down: "mlp.fc_out.weight", .downBias: "mlp.fc_out.bias",
                ])
        case .falcon:
            return TensorNameScheme(
                global: [
                    .embedding: "transformer.word_embeddings.weight", .output: "lm_head.weight",
                    .outputNorm: "transformer.ln_f.weight", .outputNormBias: "transformer.ln_f.bias",
                ],
                layerPrefix: "transformer.h.{L}.",
                layer: [
                    .attnNorm: "input_layernorm.weight", .attnNormBias: "input_layernorm.bias",
                    .qkv: "self_attention.query_key_value.weight", .qkvBias: "self_attention.query_key_value.bias",
                    .o: "self_attention.dense.weight", .oBias: "self_attention.dense.bias",
                    .up: "mlp.dense_h_to_4h.weight", .upBias: "mlp.dense_h_to_4h.bias",
                    .down: "mlp.dense_4h_to_h.weight", .downBias: "mlp.dense_4h_to_h.bias",
                ])
        }
    }

    /// Falcon's new decoder architecture names its two norms `ln_attn` and `ln_mlp`.
    static let falconTwoNorms: [TensorRole: String?] = [
        .attnNorm: "ln_attn.weight", .attnNormBias: "ln_attn.bias", .ffnNorm: "ln_mlp.weight", .ffnNormBias: "ln_mlp.bias",
    ]
}
