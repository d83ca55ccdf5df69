/// GPT-J: one shared LayerNorm for parallel attention and FFN, interleaved RoPE over `rotary_dim`, a head
/// with bias (docs/architectures.md, "Families"). HF only: llama.cpp has no GPT-J architecture.
struct GPTJ: Architecture {
    let families = ["gptj"]
    let ggufArchitecture: String? = nil

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        description.norm = .layer(eps: description.norm.eps, bias: true)
        description.block = .parallel(sharedNorm: true)
        description.rope.style = .interleaved
        description.rope.dimensions = try config.int("rotary_dim", in: 1...description.headDim) ?? description.headDim
        description.feedForward = .plain
    }

    func huggingFaceNames(for description: ModelDescription) -> TensorNameScheme {
        TensorNameScheme(
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
    }
}
