import CkptFormats

extension ModelDescription {
    /// The description of a transformers checkpoint from its `config.json` (docs/architectures.md, "config.json keys"):
    /// the keys every family shares, refined by the architecture `model_type` names. `tensors`, the
    /// checkpoint's, decide whether the head is tied; for a bare config.json (nil) the config says.
    public static func huggingFace(_ config: ConfigReader, tensors: Checkpoint? = nil) throws(ModelError) -> ModelDescription {
        let (architecture, family) = try ArchitectureRegistry.huggingFace(config)
        return try architecture.describe(huggingFace: config, family: family, tensors: tensors)
    }
}

extension Architecture {
    /// `ModelDescription.huggingFace` for `family`, one of this architecture's.
    func describe(huggingFace config: ConfigReader, family: String, tensors: Checkpoint?) throws(ModelError) -> ModelDescription {
        let file = config.file
        let d = try require(config.int("hidden_size", "n_embd", "d_model", in: 1...1 << 20), "hidden_size", file)
        let layers = try require(config.int("num_hidden_layers", "n_layer", "num_layers", in: 1...10_000), "num_hidden_layers", file)
        let heads = try require(config.int("num_attention_heads", "n_head", in: 1...1 << 16), "num_attention_heads", file)
        let vocab = try require(config.int("vocab_size", in: 1...1 << 26), "vocab_size", file)
        var kvHeads = try config.int("num_key_value_heads", "num_kv_heads", "n_head_kv", in: 1...1 << 16) ?? heads
        if let own = try keyValueHeads(huggingFace: config) { kvHeads = own }
        let headDim = try config.int("head_dim", in: 1...1 << 16) ?? d / heads
        guard headDim * heads == d || config.has("head_dim") else {
            throw ModelError(file: file, "hidden_size \(d) is not divisible by num_attention_heads \(heads)")
        }
        guard heads % kvHeads == 0 else {
            throw ModelError(file: file, "num_attention_heads \(heads) is not a multiple of the \(kvHeads) key/value heads")
        }
        let ffn = try config.int("intermediate_size", "n_inner", "ffn_hidden_size", in: 1...1 << 24) ?? 4 * d
        let eps = Float(try config.double("rms_norm_eps", "layer_norm_eps", "layer_norm_epsilon", "norm_epsilon", "norm_eps") ?? 1e-5)
        let ropeParameters = try config.object("rope_parameters").map(config.nested)
        let nestedTheta = try ropeParameters?.double("rope_theta")
        let nestedPartial = try ropeParameters?.double("partial_rotary_factor")

        var description = ModelDescription(
            family: family, naming: .huggingFace, hiddenSize: d, layerCount: layers, vocabSize: vocab,
            headCount: heads, kvHeadCount: kvHeads, headDim: headDim, feedForwardSize: ffn,
            norm: .rms(eps: eps, weightOffset: 0), block: .serial, normPlacement: .pre, qkvLayout: .separate,
            qkNorm: nil,
            rope: ModelDescription.Rope(
                style: .neox, dimensions: headDim,
                theta: try config.double("rope_theta", "rotary_emb_base") ?? nestedTheta ?? 10000),
            activation: .silu, feedForward: .gated(fusedGateUp: false), experts: nil,
            embeddingScale: nil, logitScale: nil, finalSoftcap: nil, attentionSoftcap: nil,
            attentionScale: 1 / Float(headDim).squareRoot(), slidingWindow: nil, slidingLayers: [],
            tiedHead: try config.bool("tie_word_embeddings") ?? tiesHeadByDefault, qkvClamp: nil)

        let partial = try config.double("partial_rotary_factor", "rotary_pct", "rope_pct", "rope_percent") ?? nestedPartial
        if let partial {
            guard partial > 0, partial <= 1 else { throw ModelError(file: file, "partial rotary factor \(partial) is not in (0, 1]") }
            description.rope.dimensions = Int(Double(headDim) * partial)
        }
        description.rope.scaling = try ModelDescription.ropeScaling(config, parameters: ropeParameters)
        if let act = try config.string("hidden_act", "activation_function", "activation") {
            description.activation = try ModelDescription.activation(act, file: file)
        }
        if let window = try config.int("sliding_window", in: 1...Int(Int32.max)) {
            let enabled = try config.bool("use_sliding_window") ?? true
            if enabled { description.slidingWindow = window }
        }

        try refine(&description, huggingFace: config)
        if !description.slidingLayers.isEmpty, description.slidingWindow == nil {
            description.slidingLayers = []
        } else if description.slidingWindow != nil, description.slidingLayers.isEmpty {
            description.slidingLayers = Set(0..<layers)
        }
        if description.slidingWindow != nil, let types = try config.strings("layer_types") {
            guard types.count == layers else {
                throw ModelError(file: file, "layer_types lists \(types.count) layers, num_hidden_layers is \(layers)")
            }
            description.slidingLayers = Set(types.indices.filter { types[$0] == "sliding_attention" })
        }
        try description.validate(file: file)
        decideTiedHead(&description, tensors: tensors)
        return description
    }
}

extension ModelDescription {
    /// `rope_scaling` (or transformers 5's `rope_parameters`): none, linear and llama3 are supported.
    static func ropeScaling(_ config: ConfigReader, parameters: ConfigReader?) throws(ModelError) -> Rope.Scaling {
        let scaling = try config.object("rope_scaling").map(config.nested) ?? parameters
        guard let scaling else { return .none }
        let kind = try scaling.string("rope_type", "type") ?? "default"
        switch kind {
        case "default", "none": return .none
        case "linear":
            let factor = try require(scaling.double("factor"), "rope_scaling.factor", config.file)
            return .linear(factor: factor)
        case "llama3":
            return .llama3(
                factor: try require(scaling.double("factor"), "rope_scaling.factor", config.file),
                lowFrequencyFactor: try scaling.double("low_freq_factor") ?? 1,
                highFrequencyFactor: try scaling.double("high_freq_factor") ?? 4,
                originalContext: try require(
                    scaling.double("original_max_position_embeddings"), "rope_scaling.original_max_position_embeddings",
                    config.file))
        default:
            throw ModelError(file: config.file, "rope scaling type \"\(kind)\" is not supported (only linear and llama3)")
        }
    }

    /// transformers' activation names.
    static func activation(_ name: String, file: String) throws(ModelError) -> Activation {
        switch name {
        case "silu", "swish": .silu
        case "gelu": .geluExact
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu_python_tanh": .geluTanh
        default: throw ModelError(file: file, "activation \"\(name)\" is not supported")
        }
    }

    /// Checks the sizes agree with each other.
    func validate(file: String) throws(ModelError) {
        guard rope.dimensions > 0, rope.dimensions <= headDim, rope.dimensions % 2 == 0 else {
            throw ModelError(file: file, "rotary dimensions \(rope.dimensions) must be even and at most head_dim \(headDim)")
        }
        guard rope.theta > 0 else { throw ModelError(file: file, "rope theta \(rope.theta) must be positive") }
        guard headCount % kvHeadCount == 0 else {
            throw ModelError(file: file, "\(headCount) heads are not a multiple of \(kvHeadCount) key/value heads")
        }
    }
}

/// `value`, or an error saying which required key is missing.
func require<T>(_ value: T?, _ key: String, _ file: String) throws(ModelError) -> T {
    guard let value else { throw ModelError(file: file, "missing required setting \(key)") }
    return value
}
