/// The architectures the engine and the precompute support, by the names checkpoints use.
public enum ArchitectureFamily: String, Sendable, CaseIterable, Equatable {
    case llama, mistral, mixtral, qwen2, qwen3, gemma, gemma2, phi3
    case gptNeoX = "gpt_neox"
    case gptj, phi, stablelm, falcon, cohere, starcoder2, olmo2

    /// The family for a config.json `model_type`.
    public init?(modelType: String) {
        switch modelType {
        case "stablelm_epoch": self = .stablelm
        case "RefinedWeb", "RefinedWebModel": self = .falcon
        default: self.init(rawValue: modelType)
        }
    }

    /// The family for a GGUF `general.architecture` (llama covers Mistral; Mixtral is told by its experts).
    public init?(ggufArchitecture: String) {
        switch ggufArchitecture {
        case "llama": self = .llama
        case "qwen2": self = .qwen2
        case "qwen3": self = .qwen3
        case "gemma": self = .gemma
        case "gemma2": self = .gemma2
        case "phi3": self = .phi3
        case "gptneox": self = .gptNeoX
        case "phi2": self = .phi
        case "stablelm": self = .stablelm
        case "falcon": self = .falcon
        case "command-r": self = .cohere
        case "starcoder2": self = .starcoder2
        case "olmo2": self = .olmo2
        default: return nil
        }
    }

    /// The GGUF architecture name llama.cpp uses for this family, if it has one.
    public var ggufArchitecture: String? {
        switch self {
        case .llama, .mistral, .mixtral: "llama"
        case .gptNeoX: "gptneox"
        case .phi: "phi2"
        case .cohere: "command-r"
        case .gptj: nil
        default: rawValue
        }
    }

    /// Architectures that add learned absolute position embeddings to the token embedding, so layer 0's
    /// inputs depend on the position and nothing can be precomputed; mapped to a short reason.
    static let absolutePositionModels: [String: String] = [
        "gpt2": "GPT-2", "opt": "OPT", "gpt_bigcode": "StarCoder 1 / GPTBigCode", "gpt_neo": "GPT-Neo",
        "bert": "BERT", "roberta": "RoBERTa", "biogpt": "BioGPT", "xglm": "XGLM", "starcoder": "StarCoder 1",
    ]

    /// The error for an architecture we do not support, explaining why when the trick cannot apply.
    static func unsupported(_ name: String, file: String) -> ModelError {
        if let model = absolutePositionModels[name] {
            return ModelError(
                file: file,
                "architecture \(name) (\(model)) adds learned absolute position embeddings before layer 0, so its first layer depends on the position and cannot be precomputed")
        }
        let supported = allCases.map(\.rawValue).joined(separator: ", ")
        return ModelError(file: file, "unsupported architecture \(name) (supported: \(supported))")
    }
}
