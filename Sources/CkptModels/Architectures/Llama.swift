/// Llama and the families that share its layout: Mistral, and Mixtral with its mixture of experts
/// (docs/architectures.md, "Families"). A GGUF `llama` file is Mixtral when it has experts, and its RoPE is
/// interleaved because llama.cpp's converter permuted the Q/K rows
/// (docs/architectures.md, "The llama.cpp Q/K permutation").
struct Llama: Architecture {
    let families = ["llama", "mistral", "mixtral"]
    let ggufArchitecture: String? = "llama"

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        guard description.family == "mixtral" else { return }
        let experts = try require(config.int("num_local_experts", in: 1...1024), "num_local_experts", config.file)
        let used = try require(config.int("num_experts_per_tok", in: 1...experts), "num_experts_per_tok", config.file)
        description.experts = ModelDescription.Experts(
            count: experts, used: used, feedForwardSize: description.feedForwardSize, routing: .softmax(renormalize: true),
            storage: .perExpert, layers: Set(0..<description.layerCount))
    }

    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        description.rope.style = .interleaved
        guard gguf.expertCount > 0 else { return }
        description.family = "mixtral"
        let used = try require(
            gguf.metadata.int(".expert_used_count", in: 1...gguf.expertCount), "llama.expert_used_count", gguf.metadata.file)
        description.experts = ModelDescription.Experts(
            count: gguf.expertCount, used: used, feedForwardSize: description.feedForwardSize,
            routing: .softmax(renormalize: true), storage: .stacked, layers: Set(0..<description.layerCount))
    }

    func huggingFaceNames(for description: ModelDescription) -> TensorNameScheme {
        guard description.experts != nil else { return .huggingFaceLlama }
        return TensorNameScheme.huggingFaceLlama.with([
            .gate: nil, .up: nil, .down: nil, .router: "block_sparse_moe.gate.weight",
            .expertGate: "block_sparse_moe.experts.{E}.w1.weight", .expertUp: "block_sparse_moe.experts.{E}.w3.weight",
            .expertDown: "block_sparse_moe.experts.{E}.w2.weight",
        ])
    }
}
