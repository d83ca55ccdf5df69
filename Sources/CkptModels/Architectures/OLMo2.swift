/// OLMo 2: norms only on each sublayer's output, and a q/k RMSNorm over the whole projection width
/// (docs/architectures.md, "Families").
struct OLMo2: Architecture {
    let families = ["olmo2"]
    let ggufArchitecture: String? = "olmo2"

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        Self.postNorms(&description)
    }

    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        Self.postNorms(&description)
        if let window = try gguf.metadata.int(".attention.sliding_window", in: 0...Int(Int32.max)), window > 0 {
            try OLMo3().refine(&description, gguf: gguf, window: window)
        }
    }

    func huggingFaceNames(for description: ModelDescription) -> TensorNameScheme {
        TensorNameScheme.huggingFaceLlama.with([
            .attnNorm: nil, .ffnNorm: nil, .postAttnNorm: "post_attention_layernorm.weight",
            .postFfnNorm: "post_feedforward_layernorm.weight",
        ])
    }

    static func postNorms(_ description: inout ModelDescription) {
        description.normPlacement = .post
        description.qkNorm = ModelDescription.QKNorm(scope: .fullWidth, norm: description.norm)
    }
}
