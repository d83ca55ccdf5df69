/// Gemma 2: Gemma with sandwich norms, attention and final soft-caps, `query_pre_attn_scalar`, and a
/// sliding window on even layers (docs/architectures.md, "Families").
struct Gemma2: Architecture {
    let families = ["gemma2"]
    let ggufArchitecture: String? = "gemma2"
    let tiesHeadByDefault = true

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        try Gemma().refine(&description, huggingFace: config)
        description.normPlacement = .sandwich
        if let scalar = try config.double("query_pre_attn_scalar") {
            description.attentionScale = Float(1 / scalar.squareRoot())
        }
        description.attentionSoftcap = try config.double("attn_logit_softcapping").map(Float.init)
        description.finalSoftcap = try config.double("final_logit_softcapping").map(Float.init)
        description.slidingLayers = Self.evenLayers(description)
    }

    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        try Gemma().refine(&description, gguf: gguf)
        description.normPlacement = .sandwich
        description.attentionSoftcap = try gguf.metadata.double(".attn_logit_softcapping").map(Float.init)
        description.finalSoftcap = try gguf.metadata.double(".final_logit_softcapping").map(Float.init)
        if let window = try gguf.metadata.int(".attention.sliding_window", in: 1...Int(Int32.max)) {
            description.slidingWindow = window
            description.slidingLayers = Self.evenLayers(description)
        }
    }

    /// `pre_feedforward_layernorm` feeds the FFN; the other two act on the sublayer outputs.
    func huggingFaceNames(for description: ModelDescription) -> TensorNameScheme {
        TensorNameScheme.huggingFaceLlama.with([
            .ffnNorm: "pre_feedforward_layernorm.weight", .postAttnNorm: "post_attention_layernorm.weight",
            .postFfnNorm: "post_feedforward_layernorm.weight",
        ])
    }

    static func evenLayers(_ description: ModelDescription) -> Set<Int> {
        Set((0..<description.layerCount).filter { $0 % 2 == 0 })
    }
}
