import CkptFormats
import CkptModels
import CkptStorage

/// What `ckpt convert` was asked to do.
public struct ConversionOptions: Sendable {
    /// Storage type of the table.
    public enum TableType: String, Sendable, CaseIterable {
        /// The embedding's own float type (F32, F16, BF16), or F16 when the embedding is quantized.
        case auto
        case f32, f16, bf16
        /// GGUF only; rows must be whole 32-value blocks.
        case q8_0
    }

    public var tableType: TableType = .auto
    /// Worker threads for the table (default: the machine's cores).
    public var threads: Int
    /// Vocabulary rows per chunk.
    public var chunkRows: Int = 256
    /// Replace an existing output.
    public var overwrite = false
    /// Keep every original tensor and add the table beside them (stock loaders still work).
    public var keepOriginal = false
    /// Hard-link unchanged shards instead of copying them (they then share later in-place edits).
    public var hardLinkUnchangedShards = false
    /// zstd level for the table's frames, or nil to store the table uncompressed.
    public var compressionLevel: Int32?
    /// Convert even when layer 0's tensors or the computed rows hold NaN or infinity (`--allow-nonfinite`).
    public var allowNonFinite = false
    /// Hugging Face output: also write `modeling_ckpt.py` and config.json's `auto_map`, so transformers
    /// loads the output (`TransformersCode`). Not recorded: the tensors and their metadata do not change.
    public var transformersCode = false

    public init(threads: Int) {
        self.threads = max(1, threads)
    }

    /// The options that shape the output, as recorded in it (threads and --force do not change bytes).
    public var recorded: String {
        "--precompute-first-layer --table-dtype \(tableType.rawValue)" + (keepOriginal ? " --keep-original" : "")
            + (compressionLevel.map { " --compress zstd:\($0)" } ?? "")
    }
}

/// What a conversion did, for the summary line and `--json`.
public struct ConversionSummary: Sendable {
    public var input: String
    public var output: String
    public var format: Checkpoint.Format
    public var tableRows: Int
    public var tableWidth: Int
    public var tableType: String
    public var tableBytes: Int
    /// Bytes of the table's zstd frames and frame index, when compressed.
    public var compressedTableBytes: Int?
    public var removedTensors: [String]
    public var passedThrough: Int
    public var outputBytes: Int
    public var inputBytes: Int
    public var seconds: Double
    /// Time spent computing, encoding and writing the table.
    public var tableSeconds: Double
    /// Floating-point operations of the table's matrix products (2·m·n·k summed).
    public var tableFlops: Double
}

extension ConversionOptions.TableType {
    /// The storage type this choice means for `format` and the embedding's type: `auto` keeps the
    /// embedding's float type (F32, BF16), and takes F16 for anything else; q8_0 is GGUF only.
    func storage(format: Checkpoint.Format, embedding: TensorType, path: String) throws(FormatError) -> TableStorage {
        let storage: TableStorage =
            switch self {
            case .auto: embedding.name == "F32" ? .f32 : (embedding.name == "BF16" ? .bf16 : .f16)
            case .f32: .f32
            case .f16: .f16
            case .bf16: .bf16
            case .q8_0: .q8_0
            }
        guard storage.tensorType(in: format) != nil else {
            throw FormatError(file: path, "--table-dtype \(rawValue) is only available for GGUF output")
        }
        return storage
    }
}
