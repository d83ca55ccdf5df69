/// Gemma: `(1 + w)` RMSNorms in HF files (llama.cpp adds the 1 into the GGUF weights), the embedding
/// scaled by √d, tanh GELU, a tied head by default (docs/architectures.md, "Families", "Norms").
struct Gemma: Architecture {
    let families = ["gemma"]
    let ggufArchitecture: String? = "gemma"
    let tiesHeadByDefault = true

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        description.norm = .rms(eps: description.norm.eps, weightOffset: 1)
        description.embeddingScale = Float(Double(description.hiddenSize).squareRoot())
        description.activation = try ModelDescription.activation(
            config.string("hidden_activation") ?? "gelu_pytorch_tanh", file: config.file)
    }

    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        description.embeddingScale = Float(Double(description.hiddenSize).squareRoot())
        description.activation = .geluTanh
    }
}
