import CkptFormats
import CkptJSON

/// One supported architecture, all in one file under `Architectures/` and listed in
/// `ArchitectureRegistry.all` (docs/architectures.md, "Where an architecture lives"): the families it
/// reads, what its config.json keys and GGUF metadata (and, for GGUF, which tensors exist) add to the
/// common reading while the description is built, its tensor names in both formats, and what its first
/// layer's table replaces. Every requirement but `families` and `ggufArchitecture` has a Llama-like
/// default, so a family states only how it differs.
public protocol Architecture: Sendable {
    /// The families it describes, by config.json `model_type`; a GGUF file starts as the first.
    var families: [String] { get }
    /// Other `model_type` spellings published configs use for the first family.
    var modelTypeAliases: [String] { get }
    /// llama.cpp's `general.architecture`, nil when llama.cpp has none.
    var ggufArchitecture: String? { get }
    /// Whether a config.json without `tie_word_embeddings` means a tied head (the tensors decide when present).
    var tiesHeadByDefault: Bool { get }
    /// The RoPE base of a config.json that states none (transformers' per-family default).
    var defaultRopeTheta: Double { get }
    /// transformers' defaults for the config.json keys a published config may leave out.
    var configDefaults: [String: JSONValue] { get }
    /// Key/value heads config.json states in the family's own words (Falcon's `multi_query`), over the
    /// common keys; nil when it does not.
    func keyValueHeads(huggingFace config: ConfigReader) throws(ModelError) -> Int?
    /// Sets what config.json says beyond the common keys; `description.family` is the config's family.
    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError)
    /// Sets what a GGUF file says beyond the common keys, from its metadata and which tensors it has.
    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError)
    /// transformers' tensor names.
    func huggingFaceNames(for description: ModelDescription) -> TensorNameScheme
    /// llama.cpp's tensor names.
    func ggufNames(for description: ModelDescription) -> TensorNameScheme
    /// The layer-0 roles whose work the first-layer table holds.
    func firstLayerDrops(for description: ModelDescription) -> [TensorRole]
}

extension Architecture {
    public var modelTypeAliases: [String] { [] }
    public var tiesHeadByDefault: Bool { false }
    public var defaultRopeTheta: Double { 10000 }
    public var configDefaults: [String: JSONValue] { [:] }
    public func keyValueHeads(huggingFace config: ConfigReader) throws(ModelError) -> Int? { nil }
    public func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {}
    public func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {}

    /// transformers' Llama names.
    public func huggingFaceNames(for description: ModelDescription) -> TensorNameScheme { .huggingFaceLlama }

    /// The names llama.cpp gives every architecture.
    public func ggufNames(for description: ModelDescription) -> TensorNameScheme { .gguf }

    /// docs/architectures.md, "What the table replaces": the attention inputs (norm, Q/K/V, their biases
    /// and norms) and, for parallel blocks, the whole FFN with its norm and the attention-output bias
    /// (folded into the residual segment).
    public func firstLayerDrops(for description: ModelDescription) -> [TensorRole] {
        var roles: [TensorRole] = [.q, .k, .v, .qkv, .qBias, .kBias, .vBias, .qkvBias, .qNorm, .qNormBias, .kNorm, .kNormBias]
        if description.normPlacement != .post { roles += [.attnNorm, .attnNormBias] }
        if description.block != .serial {
            roles += [
                .ffnNorm, .ffnNormBias, .gate, .up, .gateUp, .down, .upBias, .downBias, .oBias, .router,
                .expertGate, .expertUp, .expertDown,
            ]
        }
        return roles
    }

    /// The names `description`'s checkpoint uses.
    public func tensorNames(for description: ModelDescription) -> TensorNameScheme {
        switch description.naming {
        case .huggingFace: huggingFaceNames(for: description)
        case .gguf: ggufNames(for: description)
        }
    }

    /// Whether the head is tied is decided by the tensors present, when there are any: configs are sometimes wrong.
    func decideTiedHead(_ description: inout ModelDescription, tensors: Checkpoint?) {
        guard let tensors else { return }
        let names = tensorNames(for: description).locatingLanguageModel(in: tensors)
        description.tiedHead = names.name(.output).flatMap(tensors.tensor(named:)) == nil
    }
}
