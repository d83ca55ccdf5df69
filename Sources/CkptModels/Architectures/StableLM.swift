/// StableLM: LayerNorm with bias, serial or parallel with a shared norm, optional q/k LayerNorm per head
/// (one tensor per head in HF files) (docs/architectures.md, "Families"). A GGUF file without `ffn_norm`
/// is parallel.
struct StableLM: Architecture {
    let families = ["stablelm"]
    let modelTypeAliases = ["stablelm_epoch"]
    let ggufArchitecture: String? = "stablelm"

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        description.norm = .layer(eps: description.norm.eps, bias: true)
        if try config.bool("use_parallel_residual") == true { description.block = .parallel(sharedNorm: true) }
        if try config.bool("qk_layernorm") == true { description.qkNorm = .perHeadLayerNorm(eps: description.norm.eps) }
    }

    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        description.norm = .layer(eps: gguf.layerNormEps, bias: true)
        if try gguf.metadata.bool(".use_parallel_residual") == true { description.block = .parallel(sharedNorm: true) }
        if gguf.lacks("ffn_norm.weight") { description.block = .parallel(sharedNorm: true) }
        if gguf.has("attn_q_norm.weight") { description.qkNorm = .perHeadLayerNorm(eps: description.norm.eps) }
    }

    func huggingFaceNames(for description: ModelDescription) -> TensorNameScheme {
        TensorNameScheme.huggingFaceLlama.with([
            .qNorm: "self_attn.q_layernorm.norms.{H}.weight", .kNorm: "self_attn.k_layernorm.norms.{H}.weight",
        ])
    }
}
