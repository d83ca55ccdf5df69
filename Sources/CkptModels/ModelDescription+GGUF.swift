import CkptFormats

extension ModelDescription {
    /// The description of a GGUF file from its metadata, with llama.cpp's defaults where keys are absent
    /// (docs/architectures.md, "GGUF metadata keys"). `vocabSize` comes from the embedding tensor's rows; `tiedHead` is settled
    /// by `Model` from the tensors present.
    public static func gguf(_ metadata: ConfigReader, architecture: String, embeddingRows: Int) throws(ModelError)
        -> ModelDescription
    {
        let file = metadata.file
        guard let ggufFamily = ArchitectureFamily(ggufArchitecture: architecture) else {
            throw ArchitectureFamily.unsupported(architecture, file: file)
        }
        let d = try require(metadata.int(".embedding_length", in: 1...1 << 20), "\(architecture).embedding_length", file)
        let layers = try require(metadata.int(".block_count", in: 1...10_000), "\(architecture).block_count", file)
        let heads = try require(metadata.int(".attention.head_count", in: 1...1 << 16), "\(architecture).attention.head_count", file)
        let kvHeads = try metadata.int(".attention.head_count_kv", in: 1...1 << 16) ?? heads
        let headDim = try metadata.int(".attention.key_length", in: 1...1 << 16) ?? d / heads
        let ffn = try metadata.int(".feed_forward_length", in: 1...1 << 24) ?? 4 * d
        let rmsEps = try metadata.double(".attention.layer_norm_rms_epsilon").map(Float.init)
        let layerEps = try metadata.double(".attention.layer_norm_epsilon").map(Float.init)
        let experts = try metadata.int(".expert_count", in: 0...1024) ?? 0
        let family: ArchitectureFamily = ggufFamily == .llama && experts > 0 ? .mixtral : ggufFamily

        var description = ModelDescription(
            family: family, naming: .gguf, hiddenSize: d, layerCount: layers, vocabSize: embeddingRows,
            headCount: heads, kvHeadCount: kvHeads, headDim: headDim, feedForwardSize: ffn,
            norm: .rms(eps: rmsEps ?? 1e-5, weightOffset: 0), block: .serial, normPlacement: .pre,
            qkvLayout: .separate, qkNorm: nil,
            rope: Rope(
                style: .neox, dimensions: try metadata.int(".rope.dimension_count", in: 1...headDim) ?? headDim,
                theta: try metadata.double(".rope.freq_base") ?? 10000),
            activation: .silu, feedForward: .gated(fusedGateUp: false), experts: nil,
            embeddingScale: nil, logitScale: nil, finalSoftcap: nil, attentionSoftcap: nil,
            attentionScale: 1 / Float(headDim).squareRoot(), slidingWindow: nil, slidingLayers: [],
            tiedHead: false, qkvClamp: try metadata.double(".attention.clamp_kqv").map(Float.init))

        switch try metadata.string(".rope.scaling.type") ?? "none" {
        case "none": break
        case "linear":
            let factor = try require(metadata.double(".rope.scaling.factor"), "\(architecture).rope.scaling.factor", file)
            description.rope.scaling = .linear(factor: factor)
        case let other:
            throw ModelError(file: file, "rope scaling type \"\(other)\" is not supported (only linear)")
        }
        let layerNorm = Norm.layer(eps: layerEps ?? 1e-5, bias: true)
        switch family {
        case .llama, .mistral, .mixtral:
            description.rope.style = .interleaved  // llama.cpp's converter permuted the Q/K rows.
            if experts > 0 {
                let used = try require(metadata.int(".expert_used_count", in: 1...experts), "\(architecture).expert_used_count", file)
                description.experts = Experts(count: experts, used: used)
            }
        case .qwen2, .phi3, .olmo2:
            break
        case .qwen3:
            description.qkNorm = QKNorm(scope: .sharedAcrossHeads, norm: description.norm)
        case .gemma, .gemma2:
            description.embeddingScale = Float(Double(d).squareRoot())
            description.activation = .geluTanh
            if family == .gemma2 {
                description.normPlacement = .sandwich
                description.attentionSoftcap = try metadata.double(".attn_logit_softcapping").map(Float.init)
                description.finalSoftcap = try metadata.double(".final_logit_softcapping").map(Float.init)
                if let window = try metadata.int(".attention.sliding_window", in: 1...Int(Int32.max)) {
                    description.slidingWindow = window
                    description.slidingLayers = Set((0..<layers).filter { $0 % 2 == 0 })
                }
            }
        case .gptNeoX:
            description.norm = layerNorm
            description.block = try metadata.bool(".use_parallel_residual") ?? true ? .parallel(sharedNorm: false) : .serial
            description.activation = .geluExact
            description.feedForward = .plain
        case .phi:
            description.norm = layerNorm
            description.block = .parallel(sharedNorm: true)
            description.activation = .geluTanh
            description.feedForward = .plain
        case .stablelm:
            description.norm = layerNorm
            if try metadata.bool(".use_parallel_residual") == true { description.block = .parallel(sharedNorm: true) }
        case .falcon:
            description.norm = layerNorm
            description.block = .parallel(sharedNorm: true)  // two norms when attn_norm_2 exists: set by Model.
            description.activation = .geluExact
            description.feedForward = .plain
        case .cohere:
            description.norm = .layer(eps: layerEps ?? 1e-5, bias: false)
            description.block = .parallel(sharedNorm: true)
            description.rope.style = .interleaved
            description.logitScale = try metadata.double(".logit_scale").map(Float.init)
        case .starcoder2:
            description.norm = layerNorm
            description.activation = .geluTanh
            description.feedForward = .plain
        case .gptj:
            throw ArchitectureFamily.unsupported(architecture, file: file)
        }
        if family == .olmo2 {
            description.normPlacement = .post
            description.qkNorm = QKNorm(scope: .fullWidth, norm: description.norm)
        }
        try description.validate(file: file)
        return description
    }
}
