import CkptFormats
import CkptModels
import CkptStorage
import Foundation

/// What a conversion with one table type writes, computed without writing: the figures `ckpt plan`
/// and `ckpt convert --dry-run` print. `outputBytes` is exact for a plain (uncompressed) table: it
/// measures the very `CheckpointRewrite` the conversion writes (FirstLayerPlanSizesTests compares it with
/// real conversions).
public struct ConversionSizes: Sendable, Equatable {
    /// The table's storage type as recorded (`F32`, `F16`, `BF16`, `Q8_0`).
    public var tableType: String
    /// Whether `--table-dtype auto` picks this type.
    public var isAuto: Bool
    public var tableRows: Int
    public var tableWidth: Int
    /// The plain table: `rows · width` values in `tableType`.
    public var tableBytes: Int
    /// The input's checkpoint files (what `ConversionSummary.inputBytes` counts).
    public var inputBytes: Int
    /// The tensors the table replaces (0 with `--keep-original`).
    public var removedBytes: Int
    /// A tied head's own copy of the embedding (0 when untied or with `--keep-original`).
    public var headCopyBytes: Int
    /// The checkpoint files written (what `ConversionSummary.outputBytes` counts):
    /// `input − removed + table + head copy`, plus the change in headers and padding.
    public var outputBytes: Int
    /// Layer-0 bytes one token reads at B=1 without the table: its embedding row and every other
    /// tensor the table replaces (Q, K, V, their biases and norms, and for parallel blocks the FFN).
    public var tokenReadsWithout: Int
    /// Layer-0 bytes one token reads at B=1 with the table: one table row.
    public var tokenReadsWith: Int

    /// `outputBytes − inputBytes`: memory added (negative when the file shrinks).
    public var change: Int { outputBytes - inputBytes }

    /// `change / inputBytes`.
    public var relativeChange: Double { Double(change) / Double(max(1, inputBytes)) }

    /// The rule applied to these bytes (`FirstLayerVerdict`).
    public var verdict: FirstLayerVerdict {
        FirstLayerVerdict(unit: .bytes, readsSaved: tokenReadsWithout - tokenReadsWith, memoryAdded: change)
    }
}

/// Computes `ConversionSizes` for a checkpoint without converting it and without any output path:
/// `ckpt plan` makes one from the input alone, `ckpt convert --dry-run` takes its converter's.
public struct ConversionSizer {
    public let input: String
    /// With `--keep-original`: nothing removed, no head copy.
    public let keepOriginal: Bool
    let source: Checkpoint
    let model: Model

    /// Opens `input`; a converted checkpoint is refused, as `convert` refuses it.
    public init(input: String, keepOriginal: Bool = false) throws {
        try self.init(Model(Checkpoint.open(input)), input: input, keepOriginal: keepOriginal)
    }

    /// For a model already opened from `input`; a converted one is refused.
    public init(_ model: Model, input: String, keepOriginal: Bool = false) throws(FormatError) {
        guard model.table == nil else {
            throw FormatError(file: input, "already converted: it holds a precomputed first-layer table")
        }
        self.init(input: input, keepOriginal: keepOriginal, source: model.checkpoint, model: model)
    }

    init(input: String, keepOriginal: Bool, source: Checkpoint, model: Model) {
        self.input = input
        self.keepOriginal = keepOriginal
        self.source = source
        self.model = model
    }

    var description: ModelDescription { model.description }

    /// The description of the model the sizes are for.
    public var modelDescription: ModelDescription { description }

    /// Whether the input (and so the output) is GGUF.
    public var isGGUF: Bool { source.format == .gguf }

    /// The table types `--table-dtype` accepts for this input: f32, f16 and bf16, and for GGUF q8_0
    /// when a table row is whole 32-value blocks.
    public var tableTypeChoices: [ConversionOptions.TableType] {
        let width = TableSegment.layout(for: description).rowWidth
        let q8 = source.format == .gguf && GGMLType.q8_0.byteCount(elements: width) != nil
        return [.f32, .f16, .bf16] + (q8 ? [.q8_0] : [])
    }

    /// The sizes for every table type in `tableTypeChoices`, the one `auto` picks as `convert` run
    /// without `--table-dtype` writes it (the options recorded in the output differ by name only).
    public func sizesForEveryTableType() throws -> [ConversionSizes] {
        let embedding = try embeddingTensor()
        let auto = try ConversionOptions.TableType.auto.storage(format: source.format, embedding: embedding.type, path: input)
        return try tableTypeChoices.map { requested in
            let storage = try requested.storage(format: source.format, embedding: embedding.type, path: input)
            return try sizes(storage == auto ? .auto : requested)
        }
    }

    func embeddingTensor() throws(FormatError) -> TensorInfo {
        guard let embedding = model.tensor(.embedding) else { throw FormatError(file: input, "missing the input embedding") }
        return embedding
    }

    /// What `convert --table-dtype requested` writes (the plain table; `--compress` is not taken into account).
    public func sizes(_ requested: ConversionOptions.TableType) throws -> ConversionSizes {
        let embedding = try embeddingTensor()
        let storage = try requested.storage(format: source.format, embedding: embedding.type, path: input)
        let tableType = storage.tensorType(in: source.format)!
        let auto = try? ConversionOptions.TableType.auto.storage(format: source.format, embedding: embedding.type, path: input)
        let m = description
        let width = TableSegment.layout(for: m).rowWidth
        guard let tableBytes = tableType.byteCount(elements: m.vocabSize * width), let rowBytes = tableType.byteCount(elements: width)
        else {
            throw FormatError(file: input, "table rows of \(width) values are not whole \(tableType.name) blocks")
        }
        let rewrite = rewrite(storage: storage, requested: requested, width: width)
        let removed = rewrite.dropped
        let headCopy = m.tiedHead && !keepOriginal ? embedding.byteCount : 0
        let outputBytes = try rewrite.plannedBytes()
        let replaced = Set(model.firstLayerTableTensors)
        let layerZeroBytes = source.tensors.filter { replaced.contains($0.name) && $0.name != embedding.name }.reduce(0) {
            $0 + $1.byteCount
        }
        return ConversionSizes(
            tableType: tableType.name, isAuto: auto == storage, tableRows: m.vocabSize, tableWidth: width, tableBytes: tableBytes,
            inputBytes: source.files.reduce(0) { $0 + $1.size },
            removedBytes: source.tensors.filter { removed.contains($0.name) }.reduce(0) { $0 + $1.byteCount },
            headCopyBytes: headCopy, outputBytes: outputBytes,
            tokenReadsWithout: embedding.byteCount / max(1, m.vocabSize) + layerZeroBytes, tokenReadsWith: rowBytes)
    }

    /// What a plain conversion with `storage` rewrites; the table's bytes are never produced, and the
    /// source fingerprint is a stand-in of the same length (a SHA-256 in hex), so the headers have the
    /// size the real ones will have.
    func rewrite(storage: TableStorage, requested: ConversionOptions.TableType, width: Int) -> CheckpointRewrite {
        var options = ConversionOptions(threads: 1)
        options.tableType = requested
        options.keepOriginal = keepOriginal
        var hasher = SHA256()
        let spec = Converter.tableSpec(model: model, options: options, storage: storage, compression: nil, fingerprint: hasher.finalize())
        let table = CheckpointRewrite.Tensor(
            name: PrecomputedTable.tensorName, shape: [description.vocabSize, width], type: storage.tensorType(in: source.format)!,
            source: .producer { _ in })
        return Converter.rewrite(source: source, model: model, spec: spec, keepOriginal: keepOriginal, table: [table])
    }
}

extension Converter {
    /// The bytes of the source tensors the output carries over unchanged (the copy phase's total).
    public var passedThroughBytes: Int {
        let removed = options.keepOriginal ? [] : Set(model.firstLayerTableTensors)
        return source.tensors.reduce(0) { $0 + (removed.contains($1.name) ? 0 : $1.byteCount) }
    }

    /// The sizes of this conversion (`--dry-run`), as `ckpt plan` computes them.
    public var sizer: ConversionSizer {
        ConversionSizer(input: input, keepOriginal: options.keepOriginal, source: source, model: model)
    }
}
