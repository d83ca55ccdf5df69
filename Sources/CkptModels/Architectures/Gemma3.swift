import CkptJSON

/// Gemma 3 (text): Gemma 2's sandwich norms and `query_pre_attn_scalar` with a `(1 + w)` q/k RMSNorm shared
/// by every head, no attention soft-cap, and sliding-window layers (five in six by default) with their own
/// RoPE: base `rope_local_base_freq` and no scaling, while global layers may scale linearly
/// (docs/architectures.md, "Families").
struct Gemma3: Architecture {
    let families = ["gemma3_text"]
    let modelTypeAliases = ["gemma3"]
    let ggufArchitecture: String? = "gemma3"
    let tiesHeadByDefault = true
    let defaultRopeTheta = 1_000_000.0
    /// Gemma3TextConfig's defaults: the multimodal checkpoints' `text_config` states only what differs.
    let configDefaults: [String: JSONValue] = [
        "vocab_size": 262_208, "hidden_size": 2304, "intermediate_size": 9216, "num_hidden_layers": 26, "num_attention_heads": 8,
        "num_key_value_heads": 4, "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh", "max_position_embeddings": 131_072,
        "rms_norm_eps": .number(JSONNumber(exactly: 1e-6)!), "query_pre_attn_scalar": 256, "sliding_window": 4096,
    ]
    /// transformers' and llama.cpp's default: every sixth layer is global.
    static let defaultPattern = 6

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        try Gemma2().refine(&description, huggingFace: config)
        description.qkNorm = ModelDescription.QKNorm(scope: .sharedAcrossHeads, norm: description.norm)
        if description.slidingWindow == nil { description.slidingWindow = 4096 }
        let pattern = try config.int("sliding_window_pattern", in: 1...10_000) ?? Self.defaultPattern
        description.slidingLayers = ModelDescription.slidingLayers(count: description.layerCount, period: pattern)
        if description.slidingRope == nil {
            description.slidingRope = ModelDescription.Rope(style: .neox, dimensions: description.rope.dimensions, theta: 10000)
        }
    }

    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        try Gemma().refine(&description, gguf: gguf)
        description.normPlacement = .sandwich
        description.qkNorm = ModelDescription.QKNorm(scope: .sharedAcrossHeads, norm: description.norm)
        description.finalSoftcap = try gguf.metadata.double(".final_logit_softcapping").map(Float.init)
        guard let window = try gguf.metadata.int(".attention.sliding_window", in: 0...Int(Int32.max)), window > 0 else { return }
        description.slidingWindow = window
        description.slidingLayers = try gguf.slidingLayers(layerCount: description.layerCount, defaultPeriod: Self.defaultPattern)
        description.slidingRope = ModelDescription.Rope(
            style: .neox, dimensions: description.rope.dimensions, theta: try gguf.metadata.positive(".rope.freq_base_swa") ?? 10000)
    }

    func huggingFaceNames(for description: ModelDescription) -> TensorNameScheme { Gemma2().huggingFaceNames(for: description) }
}
