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
        let config = config.fillingIn(configDefaults)
        let file = config.file
        let d = try require(config.int("hidden_size", "n_embd", "d_model", in: 1...1 << 20), "hidden_size", file)
        let layers = try require(config.int("num_hidden_layers", "n_layer", "num_layers", in: 1...10_000), "num_hidden_layers", file)
        let heads = try require(config.int("num_attention_heads", "n_head", in: 1...1 << 16), "num_attention_heads", file)
        let vocab = try require(config.int("vocab_size", in: 1...1 << 26), "vocab_size", file)
        var kvHeads = try config.int("num_key_value_heads", "num_kv_heads", "n_head_kv", in: 1...1 << 16) ?? heads
        if let own = try keyValueHeads(huggingFace: config) { kvHeads = own }
        var headDim = try config.int("head_dim", in: 1...1 << 16) ?? 0
        if headDim == 0 {
            headDim = try ModelDescription.derivedHeadDim(
                hidden: d, heads: heads, hiddenKey: "hidden_size", headsKey: "num_attention_heads", file: file)
        }
        guard headDim * heads == d || config.has("head_dim") else {
            throw ModelError(file: file, "hidden_size \(d) is not divisible by num_attention_heads \(heads)")
        }
        guard heads % kvHeads == 0 else {
            throw ModelError(file: file, "num_attention_heads \(heads) is not a multiple of the \(kvHeads) key/value heads")
        }
        let ffn = try config.int("intermediate_size", "n_inner", "ffn_hidden_size", in: 1...1 << 24) ?? 4 * d
        let eps = Float(
            try config.positive("rms_norm_eps", "layer_norm_eps", "layer_norm_epsilon", "norm_epsilon", "norm_eps", orZero: true) ?? 1e-5)
        let (rope, slidingRope) = try ModelDescription.huggingFaceRope(config, headDim: headDim, defaultTheta: defaultRopeTheta)

        var description = ModelDescription(
            family: family, naming: .huggingFace, hiddenSize: d, layerCount: layers, vocabSize: vocab,
            headCount: heads, kvHeadCount: kvHeads, headDim: headDim, feedForwardSize: ffn,
            norm: .rms(eps: eps, weightOffset: 0), block: .serial, normPlacement: .pre, qkvLayout: .separate,
            qkNorm: nil, rope: rope,
            activation: .silu, feedForward: .gated(fusedGateUp: false), experts: nil,
            embeddingScale: nil, logitScale: nil, finalSoftcap: nil, attentionSoftcap: nil,
            attentionScale: 1 / Float(headDim).squareRoot(), slidingWindow: nil, slidingLayers: [],
            tiedHead: try config.bool("tie_word_embeddings") ?? tiesHeadByDefault, qkvClamp: nil, slidingRope: slidingRope)
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
    /// transformers' activation names.
    static func activation(_ name: String, file: String) throws(ModelError) -> Activation {
        switch name {
        case "silu", "swish": .silu
        case "gelu": .geluExact
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu_python_tanh": .geluTanh
        default: throw ModelError(file: file, "activation \"\(name)\" is not supported")
        }
    }
}

/// `value`, or an error saying which required key is missing.
func require<T>(_ value: T?, _ key: String, _ file: String) throws(ModelError) -> T {
    guard let value else { throw ModelError(file: file, "missing required setting \(key)") }
    return value
}
