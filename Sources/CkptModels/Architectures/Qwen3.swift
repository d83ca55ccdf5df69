/// Qwen3: Llama's layout with a q/k RMSNorm of one `head_dim` weight shared by every head
/// (docs/architectures.md, "Families").
struct Qwen3: Architecture {
    let families = ["qwen3"]
    let ggufArchitecture: String? = "qwen3"

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        description.qkNorm = ModelDescription.QKNorm(scope: .sharedAcrossHeads, norm: description.norm)
    }

    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        description.qkNorm = ModelDescription.QKNorm(scope: .sharedAcrossHeads, norm: description.norm)
    }
}
