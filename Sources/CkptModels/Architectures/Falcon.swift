/// Falcon: LayerNorm with bias, parallel attention and FFN with one shared norm or, in the new decoder
/// architecture, two (`ln_attn`, `ln_mlp`); fused QKV in three layouts
/// (docs/architectures.md, "Fused projections"); exact GELU and a tied head by default. ALiBi Falcons have
/// no RoPE and are refused.
struct Falcon: Architecture {
    let families = ["falcon"]
    let modelTypeAliases = ["RefinedWeb", "RefinedWebModel"]
    let ggufArchitecture: String? = "falcon"
    let tiesHeadByDefault = true

    /// One for a multi-query Falcon outside the new architecture: falcon-7b's config has no num_kv_heads.
    func keyValueHeads(huggingFace config: ConfigReader) throws(ModelError) -> Int? {
        guard try config.bool("multi_query") == true, try config.bool("new_decoder_architecture") != true else { return nil }
        return 1
    }

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        if try config.bool("alibi") == true {
            throw ModelError(file: config.file, "this Falcon uses ALiBi, not RoPE: no rotary first layer to precompute")
        }
        let newArchitecture = try config.bool("new_decoder_architecture") ?? false
        description.norm = .layer(eps: description.norm.eps, bias: true)
        let normCount = try config.int("num_ln_in_parallel_attn", in: 1...2) ?? 2
        let twoNorms = newArchitecture && normCount == 2
        description.block = try config.bool("parallel_attn") ?? true ? .parallel(sharedNorm: !twoNorms) : .serial
        description.qkvLayout = newArchitecture ? .fusedGrouped : (description.kvHeadCount == 1 ? .fused : .fusedPerHead)
        description.feedForward = .plain
        if !config.has("activation") { description.activation = .geluExact }
    }

    /// Two norms when the file has `attn_norm_2`.
    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        description.norm = .layer(eps: gguf.layerNormEps, bias: true)
        description.block = .parallel(sharedNorm: !gguf.has("attn_norm_2.weight"))
        description.activation = .geluExact
        description.feedForward = .plain
    }

    func huggingFaceNames(for description: ModelDescription) -> TensorNameScheme {
        let names = TensorNameScheme(
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
        guard description.block == .parallel(sharedNorm: false) else { return names }
        return names.with([
            .attnNorm: "ln_attn.weight", .attnNormBias: "ln_attn.bias", .ffnNorm: "ln_mlp.weight", .ffnNormBias: "ln_mlp.bias",
        ])
    }

    /// llama.cpp stores `ln_attn` as `attn_norm_2` and `ln_mlp` as `attn_norm`.
    func ggufNames(for description: ModelDescription) -> TensorNameScheme {
        guard description.block == .parallel(sharedNorm: false) else { return .gguf }
        return TensorNameScheme.gguf.with([
            .attnNorm: "attn_norm_2.weight", .attnNormBias: "attn_norm_2.bias",
            .ffnNorm: "attn_norm.weight", .ffnNormBias: "attn_norm.bias",
        ])
    }
}
