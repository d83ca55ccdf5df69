import CkptFormats

/// What a GGUF file tells its architecture while the description is built: the metadata (keys starting
/// with "." are under `general.architecture`), the values llama.cpp's families share, and which tensors
/// exist, the only place llama.cpp states some layouts (docs/architectures.md, "GGUF metadata keys").
/// Tensors are looked up in the last layer, since a converted file lacks layer 0's.
public struct GGUFContents: Sendable {
    public let metadata: ConfigReader
    /// `attention.layer_norm_epsilon`, for families with LayerNorm (1e-5 when absent).
    public let layerNormEps: Float
    /// `expert_count` (0 when absent).
    public let expertCount: Int
    /// The file's tensors; nil for a description from the metadata alone.
    let tensors: Checkpoint?
    /// `blk.N.` of the last layer.
    let lastLayerPrefix: String

    init(metadata: ConfigReader, layerNormEps: Float, expertCount: Int, tensors: Checkpoint?, layerCount: Int) {
        self.metadata = metadata
        self.layerNormEps = layerNormEps
        self.expertCount = expertCount
        self.tensors = tensors
        lastLayerPrefix = "blk.\(layerCount - 1)."
    }

    /// The last layer's tensor `blk.N.` + `suffix`, if present.
    func lastLayerTensor(_ suffix: String) -> TensorInfo? {
        tensors?.tensor(named: lastLayerPrefix + suffix)
    }

    /// Whether the last layer has the tensor `blk.N.` + `suffix`.
    public func has(_ suffix: String) -> Bool { lastLayerTensor(suffix) != nil }

    /// Whether the tensors are known and the last layer has no `blk.N.` + `suffix`.
    public func lacks(_ suffix: String) -> Bool { tensors != nil && !has(suffix) }

    /// The sliding-window layers `attention.sliding_window_pattern` states: a flag per layer, or a period
    /// `n` (every layer but each `n`-th slides, all of them for 0, as in llama.cpp); without the key,
    /// every layer but each `defaultPeriod`-th.
    func slidingLayers(layerCount: Int, defaultPeriod: Int) throws(ModelError) -> Set<Int> {
        let key = ".attention.sliding_window_pattern"
        if metadata.isArray(key), let flags = try metadata.flags(key) {
            guard flags.count == layerCount else {
                throw ModelError(
                    file: metadata.file, "\(metadata.keyName(key)) lists \(flags.count) layers, block_count is \(layerCount)")
            }
            return Set(flags.indices.filter { flags[$0] })
        }
        return ModelDescription.slidingLayers(count: layerCount, period: try metadata.int(key, in: 0...10_000) ?? defaultPeriod)
    }
}
