/// gpt-oss: biased Q/K/V/O, attention sinks, a sliding window on even layers (or as `layer_types` says),
/// YaRN RoPE, and on every layer a mixture of experts (docs/architectures.md, "Mixtures of experts"):
/// biased router whose top-k logits are softmaxed, experts with biases and gpt-oss's clamped SwiGLU.
/// transformers stores the experts input-major with gate and up interleaved (`gate_up_proj [E, d, 2ff]`);
/// llama.cpp splits them into stacked `ffn_gate_exps`/`ffn_up_exps` and keeps the SwiGLU's constants fixed.
struct GPTOSS: Architecture {
    let families = ["gpt_oss"]
    let ggufArchitecture: String? = "gpt-oss"

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        let file = config.file
        let count = try require(config.int("num_local_experts", "num_experts", in: 1...1 << 16), "num_local_experts", file)
        let limit = Float(try config.double("swiglu_limit") ?? 7)
        let alpha = Float(try config.double("swiglu_alpha") ?? 1.702)
        try Self.refine(
            &description, experts: count, used: try require(config.int("num_experts_per_tok", in: 1...count), "num_experts_per_tok", file),
            width: description.feedForwardSize, storage: .stackedInputMajor(interleavedGateUp: true), limit: limit, alpha: alpha)
    }

    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        let file = gguf.metadata.file
        guard gguf.expertCount > 0 else { throw ModelError(file: file, "gpt-oss.expert_count is missing or 0") }
        let used = try require(gguf.metadata.int(".expert_used_count", in: 1...gguf.expertCount), "gpt-oss.expert_used_count", file)
        let width = try gguf.metadata.int(".expert_feed_forward_length", in: 1...1 << 24) ?? description.feedForwardSize
        try Self.refine(&description, experts: gguf.expertCount, used: used, width: width, storage: .stacked, limit: 7, alpha: 1.702)
        description.slidingWindow = try gguf.metadata.int(".attention.sliding_window", in: 1...Int(Int32.max))
    }

    /// What both formats share; the sliding layers are the even ones until `layer_types` says otherwise.
    static func refine(
        _ description: inout ModelDescription, experts count: Int, used: Int, width: Int, storage: ModelDescription.Experts.Storage,
        limit: Float, alpha: Float
    ) throws(ModelError) {
        description.attentionSinks = true
        description.slidingLayers = Gemma2.evenLayers(description)
        var experts = ModelDescription.Experts(
            count: count, used: used, feedForwardSize: width, routing: .softmaxOfTopLogits, storage: storage,
            layers: Set(0..<description.layerCount))
        experts.activation = .clampedSwiGLU(limit: limit, alpha: alpha)
        description.experts = experts
    }

    func huggingFaceNames(for description: ModelDescription) -> TensorNameScheme {
        TensorNameScheme.huggingFaceLlama.with([
            .gate: nil, .up: nil, .down: nil, .upBias: nil, .downBias: nil, .attnSinks: "self_attn.sinks",
            .router: "mlp.router.weight", .routerBias: "mlp.router.bias", .expertGateUp: "mlp.experts.gate_up_proj",
            .expertGateUpBias: "mlp.experts.gate_up_proj_bias", .expertDown: "mlp.experts.down_proj",
            .expertDownBias: "mlp.experts.down_proj_bias",
        ])
    }

    /// llama.cpp names the FFN's norm `post_attention_norm`.
    func ggufNames(for description: ModelDescription) -> TensorNameScheme {
        TensorNameScheme.gguf.with([
            .ffnNorm: "post_attention_norm.weight", .postAttnNorm: nil, .attnSinks: "attn_sinks.weight",
            .routerBias: "ffn_gate_inp.bias", .expertGateBias: "ffn_gate_exps.bias", .expertUpBias: "ffn_up_exps.bias",
            .expertDownBias: "ffn_down_exps.bias",
        ])
    }
}
