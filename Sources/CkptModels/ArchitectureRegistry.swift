import CkptStorage

/// Every architecture ckpt supports, in one list: config.json's `model_type` and GGUF's
/// `general.architecture` are looked up in it, the "unsupported architecture" message names its families,
/// and the tests check the fixtures and README.md's table against it.
public enum ArchitectureRegistry {
    /// Every supported architecture, in the order the "unsupported architecture" message names their families.
    public static let all: [any Architecture] = [
        Llama(), Qwen2(), Qwen3(), Gemma(), Gemma2(), Phi3(), GPTNeoX(), GPTJ(), Phi(), StableLM(), Falcon(), Cohere(),
        StarCoder2(), OLMo2(), Gemma3(), SmolLM3(), Granite(), GLM4(), OLMo3(), EXAONE4(), DeepSeek(),
        Qwen3MoE(), GPTOSS(), Llama4(),
    ]

    /// Every supported family, in order.
    public static var families: [String] { all.flatMap(\.families) }

    /// The architecture of config.json's `model_type`, and the family it names.
    static func huggingFace(_ config: ConfigReader) throws(ModelError) -> (architecture: any Architecture, family: String) {
        guard let modelType = try config.string("model_type") else {
            throw ModelError(file: config.file, "config.json has no model_type")
        }
        for architecture in all {
            if architecture.families.contains(modelType) { return (architecture, modelType) }
            if architecture.modelTypeAliases.contains(modelType) { return (architecture, architecture.families[0]) }
        }
        throw unsupported(modelType, file: config.file)
    }

    /// The architecture of a GGUF `general.architecture`.
    static func gguf(_ name: String, file: String) throws(ModelError) -> any Architecture {
        guard let architecture = all.first(where: { $0.ggufArchitecture == name }) else { throw unsupported(name, file: file) }
        return architecture
    }

    /// Architectures the trick cannot apply to, by config.json `model_type` or GGUF architecture, with the
    /// reason (README.md, "Architectures").
    static let refusedModels: [String: String] = {
        var reasons: [String: String] = [:]
        let absolute = [
            "gpt2": "GPT-2", "opt": "OPT", "gpt_bigcode": "StarCoder 1 / GPTBigCode", "gpt_neo": "GPT-Neo", "bert": "BERT",
            "roberta": "RoBERTa", "biogpt": "BioGPT", "xglm": "XGLM", "starcoder": "StarCoder 1",
        ]
        for (name, model) in absolute {
            reasons[name] =
                "(\(model)) adds learned absolute position embeddings before layer 0, so its first layer depends on the position and cannot be precomputed"
        }
        let alibi = ["bloom": "BLOOM", "mpt": "MPT", "baichuan": "Baichuan 13B"]
        for (name, model) in alibi {
            reasons[name] =
                "(\(model)) positions tokens with ALiBi biases instead of RoPE; ckpt supports RoPE models only"
        }
        let linearFirst = [
            "qwen3_next": "Qwen3-Next", "qwen3next": "Qwen3-Next", "qwen3_5": "Qwen3.5", "jamba": "Jamba", "falcon_h1": "Falcon-H1",
            "mamba": "Mamba", "mamba2": "Mamba 2", "nemotron_h": "Nemotron-H", "granitemoehybrid": "Granite 4 hybrid",
            "lfm2": "LFM2", "rwkv": "RWKV", "rwkv6": "RWKV 6", "rwkv7": "RWKV 7", "kimi_linear": "Kimi Linear",
        ]
        for (name, model) in linearFirst {
            reasons[name] =
                "(\(model)) has a recurrent or linear-attention layer 0 whose output carries state from earlier tokens, so it is not a function of the token alone"
        }
        let encoderDecoder = [
            "t5": "T5", "mt5": "mT5", "umt5": "UMT5", "t5gemma": "T5Gemma", "bart": "BART", "mbart": "mBART", "pegasus": "Pegasus",
            "marian": "Marian", "whisper": "Whisper", "t5encoder": "T5 encoder",
        ]
        for (name, model) in encoderDecoder {
            reasons[name] = "(\(model)) is an encoder-decoder model; ckpt converts decoder-only transformers"
        }
        return reasons
    }()

    /// The error for an architecture we do not support, explaining why when the trick cannot apply.
    static func unsupported(_ name: String, file: String) -> ModelError {
        if let reason = refusedModels[name] { return ModelError(file: file, "architecture \(name) \(reason)") }
        return ModelError(file: file, "unsupported architecture \(QuotedName(name)) (supported: \(families.joined(separator: ", ")))")
    }
}
