/// Cohere (Command-R; GGUF `command-r`): one shared LayerNorm without bias for parallel attention and FFN,
/// interleaved RoPE in both formats, a logit scale, optional per-head q/k LayerNorm, a tied head by
/// default (docs/architectures.md, "Families").
struct Cohere: Architecture {
    let families = ["cohere"]
    let ggufArchitecture: String? = "command-r"
    let tiesHeadByDefault = true

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        description.norm = .layer(eps: description.norm.eps, bias: false)
        description.block = .parallel(sharedNorm: true)
        description.rope.style = .interleaved
        description.logitScale = try config.double("logit_scale").map(Float.init)
        if try config.bool("use_qk_norm") == true { description.qkNorm = .perHeadLayerNorm(eps: description.norm.eps) }
    }

    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        description.norm = .layer(eps: gguf.layerNormEps, bias: false)
        description.block = .parallel(sharedNorm: true)
        description.rope.style = .interleaved
        description.logitScale = try gguf.metadata.double(".logit_scale").map(Float.init)
        if gguf.has("attn_q_norm.weight") { description.qkNorm = .perHeadLayerNorm(eps: description.norm.eps) }
    }
}
