import CkptFormats
import CkptJSON
import CkptPrecompute

/// What `ckpt inspect` reports about a checkpoint (the shape is documented in the README, "JSON
/// output"): format, files, architecture, hyperparameters, tensors and metadata, long arrays summarized.
/// `--json` is this value through `JSONValueEncoder`; the text is rendered from it too.
public struct CheckpointSummary: Sendable, Encodable {
    /// Arrays longer than this are shown by their first elements and count.
    public static let arrayPreviewLength = 8

    /// One mapped file and its size.
    public struct File: Sendable, Codable {
        public var path: String
        public var bytes: Int
    }

    /// One tensor: its format's type name, row-major shape, size, and index into `files`.
    public struct Tensor: Sendable, Codable {
        public var name: String
        public var dtype: String
        public var shape: [Int]
        public var bytes: Int
        public var file: Int
    }

    public var path: String
    public var format: Checkpoint.Format
    public var files: [File]
    /// `general.architecture` or config.json's `model_type`; nil (`null`) if unknown.
    public var architecture: String?
    public var hyperparameters: SummaryEntries
    public var tensorCount: Int
    public var tensorBytes: Int
    public var tensors: [Tensor]
    public var metadata: SummaryEntries
    /// Accepted oddities: trailing bytes, a missing final pad, unordered offsets.
    public var warnings: [String]
    /// What a conversion of this checkpoint records as its `source_fingerprint` (FORMAT.md, "Metadata").
    public var sourceFingerprint: String

    enum CodingKeys: String, CodingKey {
        case path, format, files, architecture, hyperparameters
        case tensorCount = "tensor_count"
        case tensorBytes = "tensor_bytes"
        case tensors, metadata, warnings
        case sourceFingerprint = "source_fingerprint"
    }

    public init(_ checkpoint: Checkpoint) {
        path = checkpoint.path
        format = checkpoint.format
        files = checkpoint.files.map { File(path: $0.path, bytes: $0.size) }
        architecture = checkpoint.architecture
        hyperparameters = Self.hyperparameters(checkpoint)
        tensorCount = checkpoint.tensors.count
        tensorBytes = checkpoint.tensors.reduce(0) { $0 + $1.byteCount }
        tensors = checkpoint.tensors.map { tensor in
            Tensor(name: tensor.name, dtype: tensor.type.name, shape: tensor.shape, bytes: tensor.byteCount, file: tensor.fileIndex)
        }
        metadata = Self.metadata(checkpoint)
        warnings = checkpoint.warnings
        sourceFingerprint = checkpoint.sourceFingerprint
    }

    /// GGUF: the `<arch>.*` keys; safetensors: the scalar entries of config.json (and `rope*` objects).
    static func hyperparameters(_ checkpoint: Checkpoint) -> SummaryEntries {
        var result = SummaryEntries()
        switch checkpoint.format {
        case .gguf:
            let prefix = (checkpoint.architecture ?? "") + "."
            for entry in checkpoint.ggufMetadata where entry.key.hasPrefix(prefix) {
                result.append(String(entry.key.dropFirst(prefix.count)), SummaryValue(entry.value))
            }
        case .safetensors:
            for (key, value) in checkpoint.config ?? JSONObject() {
                switch value {
                case .number, .bool, .string, .null: result.append(key, .json(value))
                case .object where key.hasPrefix("rope"): result.append(key, .json(value))
                default: continue
                }
            }
        }
        return result
    }

    /// GGUF: every key-value in file order; safetensors: `__metadata__`, and `index.metadata` when sharded.
    static func metadata(_ checkpoint: Checkpoint) -> SummaryEntries {
        var result = SummaryEntries()
        switch checkpoint.format {
        case .gguf:
            for entry in checkpoint.ggufMetadata { result.append(entry.key, SummaryValue(entry.value)) }
        case .safetensors:
            for (key, value) in checkpoint.safetensorsFiles.first?.metadata ?? [] { result.append(key, .json(.string(value))) }
            if let index = checkpoint.safetensorsIndex {
                result.append("index.metadata", .json(.object(index.metadata)))
            }
        }
        return result
    }
}
