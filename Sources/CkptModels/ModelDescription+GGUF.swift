import CkptFormats

extension ModelDescription {
    /// The description of a GGUF file from its metadata, with llama.cpp's defaults where keys are absent
    /// (docs/architectures.md, "GGUF metadata keys"), refined by the architecture `architecture` names.
    /// `vocabSize` is `embeddingRows`, the embedding tensor's rows. `tensors`, the file's, settle what
    /// llama.cpp states only by which tensors exist (fused QKV, norms, q/k norms, the FFN width, RoPE
    /// frequency factors, the head's tying); nil describes from the metadata alone.
    public static func gguf(_ metadata: ConfigReader, architecture: String, embeddingRows: Int, tensors: Checkpoint? = nil)
        throws(ModelError) -> ModelDescription
    {
        try ArchitectureRegistry.gguf(architecture, file: metadata.file)
            .describe(gguf: metadata, name: architecture, embeddingRows: embeddingRows, tensors: tensors)
    }
}

extension Architecture {
    /// `ModelDescription.gguf` for a file whose `general.architecture` is `architecture`, this architecture's.
    func describe(gguf metadata: ConfigReader, name architecture: String, embeddingRows: Int, tensors: Checkpoint?)
        throws(ModelError) -> ModelDescription
    {
        let file = metadata.file
        let d = try require(metadata.int(".embedding_length", in: 1...1 << 20), "\(architecture).embedding_length", file)
        let layers = try require(metadata.int(".block_count", in: 1...10_000), "\(architecture).block_count", file)
        let heads = try require(metadata.int(".attention.head_count", in: 1...1 << 16), "\(architecture).attention.head_count", file)
        let kvHeads = try metadata.int(".attention.head_count_kv", in: 1...1 << 16) ?? heads
        var headDim = try metadata.int(".attention.key_length", in: 1...1 << 16) ?? 0
        if headDim == 0 {
            headDim = try ModelDescription.derivedHeadDim(
                hidden: d, heads: heads, hiddenKey: "\(architecture).embedding_length", headsKey: "\(architecture).attention.head_count",
                file: file)
        }
        let ffn = try metadata.int(".feed_forward_length", in: 1...1 << 24) ?? 4 * d
        let rmsEps = try metadata.positive(".attention.layer_norm_rms_epsilon", orZero: true).map(Float.init)
        let layerEps = try metadata.positive(".attention.layer_norm_epsilon", orZero: true).map(Float.init)
        let experts = try metadata.int(".expert_count", in: 0...1024) ?? 0

        var description = ModelDescription(
            family: families[0], naming: .gguf, hiddenSize: d, layerCount: layers, vocabSize: embeddingRows,
            headCount: heads, kvHeadCount: kvHeads, headDim: headDim, feedForwardSize: ffn,
            norm: .rms(eps: rmsEps ?? 1e-5, weightOffset: 0), block: .serial, normPlacement: .pre,
            qkvLayout: .separate, qkNorm: nil,
            rope: ModelDescription.Rope(
                style: .neox, dimensions: try metadata.int(".rope.dimension_count", in: 1...headDim) ?? headDim,
                theta: try metadata.positive(".rope.freq_base") ?? 10000),
            activation: .silu, feedForward: .gated(fusedGateUp: false), experts: nil,
            embeddingScale: nil, logitScale: nil, finalSoftcap: nil, attentionSoftcap: nil,
            attentionScale: 1 / Float(headDim).squareRoot(), slidingWindow: nil, slidingLayers: [],
            tiedHead: false, qkvClamp: try metadata.double(".attention.clamp_kqv").map(Float.init))

        description.rope.scaling = try ModelDescription.ggufRopeScaling(metadata, architecture: architecture)
        let contents = GGUFContents(
            metadata: metadata, layerNormEps: layerEps ?? 1e-5, expertCount: experts, tensors: tensors, layerCount: layers)
        try refine(&description, gguf: contents)

        if contents.has("attn_qkv.weight") { description.qkvLayout = .fused }
        // The tensors are authoritative for the FFN width: llama.cpp's phi2 converter writes 4·d.
        if let width = contents.lastLayerTensor("ffn_down.weight")?.shape.last { description.feedForwardSize = width }
        if let width = contents.lastLayerTensor("ffn_down_exps.weight")?.shape.last { description.experts?.feedForwardSize = width }
        if let tensors {
            try ModelDescription.ggufRopeFactors(&description.rope, metadata: metadata, tensors: tensors)
        }
        try description.validate(file: file)
        decideTiedHead(&description, tensors: tensors)
        return description
    }
}
