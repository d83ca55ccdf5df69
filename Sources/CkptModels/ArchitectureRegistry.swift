/// Every architecture ckpt supports, in one list: config.json's `model_type` and GGUF's
/// `general.architecture` are looked up in it, the "unsupported architecture" message names its families,
/// and the tests check the fixtures and README.md's table against it.
public enum ArchitectureRegistry {
    /// Every supported architecture, in the order the "unsupported architecture" message names their families.
    public static let all: [any Architecture] = [
        Llama(), Qwen2(), Qwen3(), Gemma(), Gemma2(), Phi3(), GPTNeoX(), GPTJ(), Phi(), StableLM(), Falcon(), Cohere(),
        StarCoder2(), OLMo2(),
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
                "architecture \(name) (\(model)) adds learned absolute position embeddings before layer 0, so its first layer depends on the position and cannot be precomputed"
            )
        }
        return ModelError(file: file, "unsupported architecture \(name) (supported: \(families.joined(separator: ", ")))")
    }
}
