/// GPT-NeoX (Pythia): LayerNorm with bias, parallel attention and FFN with two norms (serial when
/// `use_parallel_residual` is false), a per-head fused QKV in HF files, plain FFN with exact GELU in GGUF
/// files (docs/architectures.md, "Families").
struct GPTNeoX: Architecture {
    let families = ["gpt_neox"]
    let ggufArchitecture: String? = "gptneox"

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        description.norm = .layer(eps: description.norm.eps, bias: true)
        description.block = try config.bool("use_parallel_residual") ?? true ? .parallel(sharedNorm: false) : .serial
        description.qkvLayout = .fusedPerHead
        description.feedForward = .plain
    }

    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        description.norm = .layer(eps: gguf.layerNormEps, bias: true)
        description.block = try gguf.metadata.bool(".use_parallel_residual") ?? true ? .parallel(sharedNorm: false) : .serial
        description.activation = .geluExact
        description.feedForward = .plain
    }

    /// `input_layernorm` feeds attention, `post_attention_layernorm` the FFN.
    func huggingFaceNames(for description: ModelDescription) -> TensorNameScheme {
        TensorNameScheme(
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
    }
}
