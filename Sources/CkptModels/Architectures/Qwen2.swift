/// Qwen2: Llama's layout; its q/k/v biases are read as every family's are, when present
/// (docs/architectures.md, "Families").
struct Qwen2: Architecture {
    let families = ["qwen2"]
    let ggufArchitecture: String? = "qwen2"
}
