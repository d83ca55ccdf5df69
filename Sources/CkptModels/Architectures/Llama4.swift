/// Llama 4's text model (docs/architectures.md, "Mixtures of experts"): interleaved RoPE (transformers
/// pairs adjacent dimensions, llama.cpp keeps them), NoPE layers (`no_rope_layers`, else every
/// `no_rope_layer_interval`-th), and on RoPE layers chunked attention and an L2 q/k norm without weights;
/// NoPE layers scale q by the attention temperature. Layers per `moe_layers` (else every
/// `interleave_moe_layer_step`-th) are sparse: a sigmoid of the top-k router logits scales the chosen
/// experts' input, and a shared expert runs besides; the others are dense (`intermediate_size_mlp`).
/// llama.cpp states none of the attention settings: it fixes a chunk of 8192, NoPE on every 4th layer,
/// temperature 8192/0.1, and the q/k norm on all but the 128-expert model.
struct Llama4: Architecture {
    let families = ["llama4_text"]
    /// The multimodal `llama4` wrapper, whose text model is read (`TensorNameScheme.locatingLanguageModel`).
    let modelTypeAliases = ["llama4"]
    let ggufArchitecture: String? = "llama4"
    let defaultRopeTheta: Double = 500_000

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        let file = config.file
        description.rope.style = .interleaved
        try SmolLM3().refine(&description, huggingFace: config)
        let ropeLayers = Set(0..<description.layerCount).subtracting(description.noRopeLayers)
        if try config.bool("use_qk_norm") ?? true {
            description.qkNorm = ModelDescription.QKNorm(scope: .unweighted, norm: description.norm, layers: ropeLayers)
        }
        if let chunk = try config.int("attention_chunk_size", in: 1...Int(Int32.max)) {
            description.attentionChunkSize = chunk
            let types = try config.strings("layer_types")
            description.chunkedLayers = types.map { types in Set(types.indices.filter { types[$0] == "chunked_attention" }) } ?? ropeLayers
        }
        if try config.bool("attn_temperature_tuning") ?? true {
            description.attentionTemperature = ModelDescription.AttentionTemperature(
                floorScale: Float(try config.double("floor_scale") ?? 8192), scale: Float(try config.double("attn_scale") ?? 0.1))
        }
        let count = try require(config.int("num_local_experts", in: 1...1 << 16), "num_local_experts", file)
        let used = try config.int("num_experts_per_tok", in: 1...count) ?? 1
        let width = description.feedForwardSize
        description.feedForwardSize = try config.int("intermediate_size_mlp", in: 1...1 << 24) ?? 16384
        let step = try config.int("interleave_moe_layer_step", in: 1...10_000) ?? 1
        let layers = try config.integers("moe_layers").map(Set.init) ?? ModelDescription.Experts.everyStep(step, of: description.layerCount)
        Self.setExperts(
            &description, count: count, used: used, width: width, storage: .stackedInputMajor(interleavedGateUp: false), layers: layers)
    }

    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        let metadata = gguf.metadata
        description.rope.style = .interleaved
        if try metadata.int(".attention.sliding_window") == 0 {
            throw ModelError(file: metadata.file, "llama4 without chunked attention (attention.sliding_window 0) is not supported")
        }
        let period = try metadata.int(".attention.sliding_window_pattern", in: 1...10_000) ?? 4
        description.noRopeLayers = SmolLM3.everyNth(4, of: description.layerCount)
        description.attentionChunkSize = 8192
        description.chunkedLayers = Set((0..<description.layerCount).filter { $0 % period < period - 1 })
        description.attentionTemperature = ModelDescription.AttentionTemperature(floorScale: 8192, scale: 0.1)
        if gguf.expertCount != 128 {
            let ropeLayers = Set(0..<description.layerCount).subtracting(description.noRopeLayers)
            description.qkNorm = ModelDescription.QKNorm(scope: .unweighted, norm: description.norm, layers: ropeLayers)
        }
        guard gguf.expertCount > 0 else { throw ModelError(file: metadata.file, "llama4.expert_count is missing or 0") }
        let used = try require(metadata.int(".expert_used_count", in: 1...gguf.expertCount), "llama4.expert_used_count", metadata.file)
        let width = try require(
            metadata.int(".expert_feed_forward_length", in: 1...1 << 24), "llama4.expert_feed_forward_length", metadata.file)
        let step = try metadata.int(".interleave_moe_layer_step", in: 1...10_000) ?? 1
        let layers = (0..<description.layerCount).filter { layer in
            gguf.tensors.map { $0.tensor(named: "blk.\(layer).ffn_gate_inp.weight") != nil } ?? ((layer + 1) % step == 0)
        }
        Self.setExperts(&description, count: gguf.expertCount, used: used, width: width, storage: .stacked, layers: Set(layers))
    }

    /// The mixture both formats describe: the shared expert is as wide as each routed one.
    static func setExperts(
        _ description: inout ModelDescription, count: Int, used: Int, width: Int, storage: ModelDescription.Experts.Storage,
        layers: Set<Int>
    ) {
        var experts = ModelDescription.Experts(
            count: count, used: used, feedForwardSize: width, routing: .sigmoidOfTopLogits, storage: storage, layers: layers)
        experts.weighsInput = true
        experts.sharedFeedForwardSize = width
        description.experts = experts
    }

    /// Llama4ForCausalLM's names.
    func huggingFaceNames(for description: ModelDescription) -> TensorNameScheme {
        TensorNameScheme.huggingFaceLlama.with([
            .gate: "feed_forward.gate_proj.weight", .up: "feed_forward.up_proj.weight", .down: "feed_forward.down_proj.weight",
            .upBias: nil, .downBias: nil, .router: "feed_forward.router.weight",
            .expertGateUp: "feed_forward.experts.gate_up_proj", .expertDown: "feed_forward.experts.down_proj",
            .sharedGate: "feed_forward.shared_expert.gate_proj.weight", .sharedUp: "feed_forward.shared_expert.up_proj.weight",
            .sharedDown: "feed_forward.shared_expert.down_proj.weight",
        ])
    }

    func ggufNames(for description: ModelDescription) -> TensorNameScheme {
        TensorNameScheme.gguf.with([
            .sharedGate: "ffn_gate_shexp.weight", .sharedUp: "ffn_up_shexp.weight", .sharedDown: "ffn_down_shexp.weight",
        ])
    }
}
