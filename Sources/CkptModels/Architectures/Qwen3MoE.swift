/// Qwen3-MoE: Qwen3's attention with a sparse FFN (docs/architectures.md, "Mixtures of experts"): softmax
/// router, top-k experts of `moe_intermediate_size`, renormalized only with `norm_topk_prob`; layers in
/// `mlp_only_layers` or off the `decoder_sparse_step` are dense (`intermediate_size`).
struct Qwen3MoE: Architecture {
    let families = ["qwen3_moe"]
    let ggufArchitecture: String? = "qwen3moe"

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        try Qwen3().refine(&description, huggingFace: config)
        let count = try require(config.int("num_experts", "num_local_experts", in: 0...1 << 16), "num_experts", config.file)
        guard count > 0 else { return }
        let used = try require(config.int("num_experts_per_tok", in: 1...count), "num_experts_per_tok", config.file)
        let step = try config.int("decoder_sparse_step", in: 1...10_000) ?? 1
        let dense = Set(try config.integers("mlp_only_layers") ?? [])
        description.experts = ModelDescription.Experts(
            count: count, used: used,
            feedForwardSize: try require(config.int("moe_intermediate_size", in: 1...1 << 24), "moe_intermediate_size", config.file),
            routing: .softmax(renormalize: try config.bool("norm_topk_prob") ?? false), storage: .perExpert,
            layers: ModelDescription.Experts.everyStep(step, of: description.layerCount, except: dense))
    }

    /// llama.cpp renormalizes unless `expert_weights_norm` says otherwise; a layer is sparse when it has a
    /// router (every layer when the tensors are unknown).
    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        try Qwen3().refine(&description, gguf: gguf)
        let file = gguf.metadata.file
        guard gguf.expertCount > 0 else { throw ModelError(file: file, "qwen3moe.expert_count is missing or 0") }
        let used = try require(gguf.metadata.int(".expert_used_count", in: 1...gguf.expertCount), "qwen3moe.expert_used_count", file)
        let width = try gguf.metadata.int(".expert_feed_forward_length", in: 1...1 << 24) ?? description.feedForwardSize
        let layers = (0..<description.layerCount).filter { layer in
            gguf.tensors.map { $0.tensor(named: "blk.\(layer).ffn_gate_inp.weight") != nil } ?? true
        }
        description.experts = ModelDescription.Experts(
            count: gguf.expertCount, used: used, feedForwardSize: width,
            routing: .softmax(renormalize: try gguf.metadata.bool(".expert_weights_norm") ?? true), storage: .stacked,
            layers: Set(layers))
    }

    func huggingFaceNames(for description: ModelDescription) -> TensorNameScheme {
        TensorNameScheme.huggingFaceLlama.with([
            .router: "mlp.gate.weight", .expertGate: "mlp.experts.{E}.gate_proj.weight",
            .expertUp: "mlp.experts.{E}.up_proj.weight", .expertDown: "mlp.experts.{E}.down_proj.weight",
        ])
    }
}
