/// GLM-4 (0414): sandwich norms under their own names, biased q/k/v, a fused `[gate | up]` projection, and
/// interleaved RoPE over half of each head unless the config says otherwise (docs/architectures.md, "Families").
struct GLM4: Architecture {
    let families = ["glm4"]
    let ggufArchitecture: String? = "glm4"

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        Self.common(&description)
        let parameters = try config.object("rope_parameters")
        if !config.has("partial_rotary_factor"), parameters?["partial_rotary_factor"] == nil {
            description.rope.dimensions = description.headDim / 2  // transformers' default for GLM-4
        }
    }

    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        Self.common(&description)
    }

    /// `post_attention_layernorm` feeds the FFN; the other two act on the sublayer outputs.
    func huggingFaceNames(for description: ModelDescription) -> TensorNameScheme {
        TensorNameScheme.huggingFaceLlama.with([
            .postAttnNorm: "post_self_attn_layernorm.weight", .postFfnNorm: "post_mlp_layernorm.weight", .gate: nil, .up: nil,
            .gateUp: "mlp.gate_up_proj.weight",
        ])
    }

    /// llama.cpp keeps the fused gate/up as `ffn_up`.
    func ggufNames(for description: ModelDescription) -> TensorNameScheme {
        TensorNameScheme.gguf.with([.gateUp: "ffn_up.weight", .up: nil, .gate: nil])
    }

    static func common(_ description: inout ModelDescription) {
        description.normPlacement = .sandwich
        description.feedForward = .gated(fusedGateUp: true)
        description.rope.style = .interleaved
    }
}
