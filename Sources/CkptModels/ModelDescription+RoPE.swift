import CkptFormats

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension ModelDescription {
    /// The RoPE of a config.json (docs/architectures.md, "config.json keys"): base, rotated fraction and
    /// scaling, from the top-level keys published configs use (`rope_theta`, `partial_rotary_factor`,
    /// `rope_scaling`) or transformers 5's `rope_parameters`, which may hold one dictionary per layer type
    /// (`full_attention`, `sliding_attention`); the second result is the sliding layers' RoPE when it has one.
    static func huggingFaceRope(_ config: ConfigReader, headDim: Int, defaultTheta: Double) throws(ModelError) -> (
        rope: Rope, sliding: Rope?
    ) {
        let parameters = try config.object("rope_parameters")
        var full = parameters.map(config.nested)
        var sliding: ConfigReader?
        if let parameters, parameters["full_attention"] != nil || parameters["sliding_attention"] != nil {
            full = try config.nested(parameters, "full_attention")
            sliding = try config.nested(parameters, "sliding_attention")
        }
        let fullTheta = try full?.positive("rope_theta")
        let theta = try config.positive("rope_theta", "rotary_emb_base") ?? fullTheta ?? defaultTheta
        let partial = try config.double("partial_rotary_factor", "rotary_pct", "rope_pct", "rope_percent")
        func rope(_ parameters: ConfigReader?, theta: Double) throws(ModelError) -> Rope {
            var dimensions = headDim
            let ownPartial = try parameters?.double("partial_rotary_factor")
            if let partial = partial ?? ownPartial {
                guard partial > 0, partial <= 1 else {
                    throw ModelError(file: config.file, "partial rotary factor \(partial) is not in (0, 1]")
                }
                dimensions = Int(Double(headDim) * partial)
            }
            var rope = Rope(style: .neox, dimensions: dimensions, theta: theta)
            let scaling = try config.object("rope_scaling").map(config.nested) ?? parameters
            if let scaling { rope.scaling = try ropeScaling(scaling, config: config, dimensions: dimensions) }
            return rope
        }
        let fullRope = try rope(full, theta: theta)
        guard sliding != nil || config.has("rope_local_base_freq") else { return (fullRope, nil) }
        let ownTheta = try sliding?.positive("rope_theta")
        let slidingTheta = try config.positive("rope_local_base_freq") ?? ownTheta ?? theta
        var slidingRope = try rope(sliding, theta: slidingTheta)
        if config.has("rope_scaling") { slidingRope.scaling = .none }  // the published spelling scales global layers only
        return (fullRope, slidingRope)
    }

    /// One RoPE scaling dictionary (`rope_type` or `type`): linear, llama3, yarn, longrope or dynamic,
    /// with transformers' defaults (docs/architectures.md, "RoPE scaling").
    static func ropeScaling(_ scaling: ConfigReader, config: ConfigReader, dimensions: Int) throws(ModelError) -> Rope.Scaling {
        let kind = try scaling.string("rope_type", "type") ?? "default"
        let file = config.file
        let maxPositions = try config.double("max_position_embeddings")
        // Phi-3 keeps the pretraining length at the top level, where it wins over the dictionary's.
        let ownOriginal = try scaling.double("original_max_position_embeddings")
        let original = try config.double("original_max_position_embeddings") ?? ownOriginal
        func positive(_ value: Double?, _ key: String) throws(ModelError) -> Double {
            guard let value else { throw ModelError(file: file, "missing required setting rope_scaling.\(key)") }
            guard value > 0 else { throw ModelError(file: file, "rope_scaling.\(key) is \(value), not positive") }
            return value
        }
        switch kind {
        case "default", "none":
            return .none
        case "linear":
            return .linear(factor: try positive(scaling.double("factor"), "factor"))
        case "llama3":
            return .llama3(
                factor: try positive(scaling.double("factor"), "factor"),
                lowFrequencyFactor: try scaling.double("low_freq_factor") ?? 1,
                highFrequencyFactor: try scaling.double("high_freq_factor") ?? 4,
                originalContext: try positive(original ?? maxPositions, "original_max_position_embeddings"))
        case "yarn":
            let originalContext = try positive(original ?? maxPositions, "original_max_position_embeddings")
            let factor = try positive(
                scaling.double("factor") ?? maxPositions.map { $0 / originalContext }, "factor")
            var attentionFactor = try scaling.double("attention_factor")
            if attentionFactor == nil {
                func magnitude(_ m: Double) -> Double { factor <= 1 ? 1 : 0.1 * m * log(factor) + 1 }
                if let mscale = try scaling.double("mscale"), let all = try scaling.double("mscale_all_dim"), mscale != 0, all != 0 {
                    attentionFactor = magnitude(mscale) / magnitude(all)
                } else {
                    attentionFactor = magnitude(1)
                }
            }
            return .yarn(
                Rope.YaRN(
                    factor: factor, originalContext: originalContext,
                    betaFast: try nonZero(scaling.double("beta_fast")) ?? 32, betaSlow: try nonZero(scaling.double("beta_slow")) ?? 1,
                    attentionFactor: attentionFactor ?? 1, truncate: try scaling.bool("truncate") ?? true))
        case "longrope":
            let originalContext = try positive(original, "original_max_position_embeddings")
            let short = try require(scaling.numbers("short_factor"), "rope_scaling.short_factor", file)
            let long = try require(scaling.numbers("long_factor"), "rope_scaling.long_factor", file)
            for (name, factors) in [("short_factor", short), ("long_factor", long)] where factors.count != dimensions / 2 {
                throw ModelError(file: file, "rope_scaling.\(name) has \(factors.count) values, expected \(dimensions / 2)")
            }
            let factor = try scaling.double("factor") ?? maxPositions.map { $0 / originalContext } ?? 1
            var attentionFactor = try scaling.double("attention_factor")
            if attentionFactor == nil {
                attentionFactor = factor <= 1 ? 1 : (1 + log(factor) / log(originalContext)).squareRoot()
            }
            return .longRope(
                Rope.LongRoPE(short: short, long: long, originalContext: originalContext, attentionFactor: attentionFactor ?? 1))
        case "dynamic":
            return .dynamic(
                factor: try positive(scaling.double("factor"), "factor"),
                originalContext: try positive(maxPositions, "max_position_embeddings"))
        default:
            throw ModelError(file: file, "rope scaling type \"\(kind)\" is not supported (linear, llama3, yarn, longrope, dynamic are)")
        }
    }
}

extension ModelDescription {
    /// Every layer of `count` but each `period`-th (counting from 1) slides; a period of 0 makes all slide,
    /// as in llama.cpp (Gemma 3's default 6, OLMo 3's and EXAONE 4's 4).
    static func slidingLayers(count: Int, period: Int) -> Set<Int> {
        Set((0..<count).filter { period == 0 || ($0 + 1) % period != 0 })
    }

    /// The RoPE scaling GGUF metadata states (docs/architectures.md, "GGUF metadata keys"): `rope.scaling.type`
    /// none, linear or yarn. llama.cpp derives YaRN's attention factor from the factor unless
    /// `yarn_attn_factor` is given, or DeepSeek's `yarn_log_multiplier` says mscale equals mscale_all_dim.
    static func ggufRopeScaling(_ metadata: ConfigReader, architecture: String) throws(ModelError) -> Rope.Scaling {
        let file = metadata.file
        func positive(_ key: String) throws(ModelError) -> Double {
            let value = try require(metadata.double(key), "\(architecture)\(key)", file)
            guard value > 0 else { throw ModelError(file: file, "\(architecture)\(key) is \(value), not positive") }
            return value
        }
        switch try metadata.string(".rope.scaling.type") ?? "none" {
        case "none":
            return .none
        case "linear":
            return .linear(factor: try positive(".rope.scaling.factor"))
        case "yarn":
            let factor = try positive(".rope.scaling.factor")
            var attentionFactor = try metadata.double(".rope.scaling.yarn_attn_factor")
            if attentionFactor == nil {
                attentionFactor = metadata.has(".rope.scaling.yarn_log_multiplier") || factor <= 1 ? 1 : 0.1 * log(factor) + 1
            }
            return .yarn(
                Rope.YaRN(
                    factor: factor, originalContext: try positive(".rope.scaling.original_context_length"),
                    betaFast: try metadata.double(".rope.scaling.yarn_beta_fast") ?? 32,
                    betaSlow: try metadata.double(".rope.scaling.yarn_beta_slow") ?? 1, attentionFactor: attentionFactor ?? 1,
                    truncate: true))
        case let other:
            throw ModelError(file: file, "rope scaling type \"\(other)\" is not supported (none, linear, yarn are)")
        }
    }

    /// The per-pair divisors GGUF stores as tensors: Llama 3's `rope_freqs.weight`, and LongRoPE's
    /// `rope_factors_short.weight`/`rope_factors_long.weight` with `rope.scaling.attn_factor` (Phi-3.5).
    static func ggufRopeFactors(_ rope: inout Rope, metadata: ConfigReader, tensors: Checkpoint) throws(ModelError) {
        func factors(_ name: String) throws(ModelError) -> [Float]? {
            guard let tensor = tensors.tensor(named: name) else { return nil }
            guard tensor.elementCount == rope.dimensions / 2 else {
                throw ModelError(
                    file: tensors.files[tensor.fileIndex].path,
                    "\(name) has \(tensor.elementCount) values, expected \(rope.dimensions / 2)")
            }
            do {
                return try tensors.floats(of: tensor)
            } catch {
                throw ModelError(file: error.file, error.problem)
            }
        }
        if let frequencyFactors = try factors("rope_freqs.weight") {
            rope.scaling = .frequencyFactors(frequencyFactors)
        }
        if let long = try factors("rope_factors_long.weight") {
            let short = try require(factors("rope_factors_short.weight"), "rope_factors_short.weight", metadata.file)
            let original = try require(
                metadata.double(".rope.scaling.original_context_length"), "rope.scaling.original_context_length", metadata.file)
            rope.scaling = .longRope(
                Rope.LongRoPE(
                    short: short.map(Double.init), long: long.map(Double.init), originalContext: original,
                    attentionFactor: try metadata.double(".rope.scaling.attn_factor") ?? 1))
        }
    }
}

/// nil for a zero, as transformers' `or` default treats it.
private func nonZero(_ value: Double?) -> Double? { value == 0 ? nil : value }
