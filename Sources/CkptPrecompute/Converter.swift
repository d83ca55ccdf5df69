import CkptEngine
import CkptFormats
import CkptModels
import CkptStorage
import Foundation

/// `ckpt convert --precompute-first-layer`: reads a checkpoint, computes the first-layer table and
/// writes a checkpoint of the same format with the embedding replaced by the table and layer 0's
/// token-local tensors dropped (FORMAT.md). Every other tensor passes through byte for byte; all
/// metadata is kept; the output appears atomically at its path or not at all.
public struct Converter {
    public let input: String
    public let output: String
    public let options: ConversionOptions
    let source: Checkpoint
    let model: Model
    let target: OutputTarget
    /// The Python file and `auto_map` written with `--transformers-code`.
    let transformersCode: TransformersCode?

    public init(input: String, output: String, options: ConversionOptions) throws {
        self.input = input
        self.output = output
        self.options = options
        source = try Checkpoint.open(input)
        model = try Model(source)
        guard model.table == nil else {
            throw FormatError(file: input, "already converted: it holds a precomputed first-layer table")
        }
        transformersCode = options.transformersCode ? try TransformersCode(source: source, options: options, output: output) : nil
        target = OutputTarget(source: source, input: input, output: output, overwrite: options.overwrite)
        try target.check()
        try checkTableRows()
        try checkFiniteSource()
    }

    /// The input embedding's storage type.
    func embeddingType() throws(FormatError) -> TensorType {
        guard let embedding = model.tensor(.embedding) else { throw FormatError(file: input, "missing the input embedding") }
        return embedding.type
    }

    /// The table type fits the format (q8_0 is GGUF only) and rows are whole blocks of it (Q8_0: 32 values).
    func checkTableRows() throws(FormatError) {
        let type = try options.tableType.storage(format: source.format, embedding: embeddingType(), path: output)
            .tensorType(in: source.format)!
        let m = description
        let width = TableSegment.layout(for: m).rowWidth
        guard type.byteCount(elements: m.vocabSize * width) != nil, type.byteCount(elements: width) != nil else {
            throw FormatError(file: output, "table rows of \(width) values are not whole \(type.name) blocks")
        }
    }

    /// The files (or directory) the conversion creates: one per shard for a split GGUF.
    public var outputPaths: [String] { target.paths }

    var description: ModelDescription { model.description }

    /// The tensors the table replaces (`Model.firstLayerTableTensors`).
    public var removedTensors: [String] { model.firstLayerTableTensors }

    /// The table's description as recorded in the output.
    func tableSpec(storage: TableStorage, compression: TableCompression?) -> PrecomputedTable {
        Self.tableSpec(model: model, options: options, storage: storage, compression: compression, fingerprint: fingerprint())
    }

    /// The table's description for `model` converted with `options`, from `fingerprint` (`fingerprint()`).
    static func tableSpec(
        model: Model, options: ConversionOptions, storage: TableStorage, compression: TableCompression?, fingerprint: String
    ) -> PrecomputedTable {
        let m = model.description
        return PrecomputedTable(
            block: m.block == .serial ? .serial : .parallel, rows: m.vocabSize,
            segments: TableSegment.layout(for: m),
            removedTensors: options.keepOriginal ? [] : model.firstLayerTableTensors,
            outputBiasFolded: m.block != .serial && model.tensor(.oBias) != nil, storage: storage,
            compression: compression.map {
                PrecomputedTable.Compression(frameRows: $0.frameRows, shufflePlanes: $0.shufflePlanes, level: Int($0.level))
            }, sourceFingerprint: fingerprint, toolVersion: toolVersion, options: options.recorded,
            rope: m.rope(layer: 0) ?? ModelDescription.Rope(style: m.rope.style, dimensions: 0, theta: m.rope.theta))
    }

    /// The source's fingerprint (`Checkpoint.sourceFingerprint`), recorded in the output.
    func fingerprint() -> String { source.sourceFingerprint }

    /// Converts; `progress(rows, total)` is called as table rows are written.
    public func run(progress: ((Int, Int) -> Void)? = nil) throws -> ConversionSummary {
        let start = Date()
        let embedding = model.tensor(.embedding)!
        let storage = try options.tableType.storage(format: source.format, embedding: embedding.type, path: output)
        let tableType = storage.tensorType(in: source.format)!
        let m = description
        let width = TableSegment.layout(for: m).rowWidth
        let tableBytes = tableType.byteCount(elements: m.vocabSize * width)!
        let timer = TableTimer()
        let table = FirstLayerTable(
            engine: Engine(model: model, cachedLayers: [0]), encoding: TableEncoding(storage: storage, format: source.format),
            threads: options.threads, chunkRows: options.chunkRows, allowNonFinite: options.allowNonFinite)
        let compression = options.compressionLevel.map {
            TableCompression(level: $0, storage: storage, rowBytes: tableType.byteCount(elements: width)!, chunkRows: options.chunkRows)
        }
        let spec = tableSpec(storage: storage, compression: compression)
        let removed = options.keepOriginal ? [] : Set(spec.removedTensors)
        let kept = source.tensors.filter { !removed.contains($0.name) }
        let headCopy = m.tiedHead && !options.keepOriginal ? embedding.byteCount : 0
        // A compressed table is at most its plain size, and is first written to a scratch file.
        let estimate = kept.reduce(0) { $0 + $1.byteCount } + tableBytes * (compression == nil ? 1 : 2) + headCopy
        try checkFreeSpace(needed: estimate)
        let contents: TableContents
        if let compression {
            // The containers' headers need the compressed size before any tensor is written, so the
            // frames go to a scratch file first and are then copied in like the other tensors.
            let scratch = try OutputFile(path: output + ".table-frames", overwrite: true)
            let offsets = try StagingErrors.namingOutput(output, staging: scratch.path) {
                let offsets = try timer.measure { try table.write(to: scratch, compression: compression, progress: progress) }
                try scratch.flush()
                return offsets
            }
            contents = .compressed(scratch: scratch, frames: try MappedFile(path: scratch.temporaryPath), offsets: offsets)
        } else {
            contents = .plain(.producer { output in _ = try timer.measure { try table.write(to: output, progress: progress) } })
        }
        var rewrite = Self.rewrite(
            source: source, model: model, spec: spec, keepOriginal: options.keepOriginal,
            table: contents.tensors(tableType: tableType, rows: m.vocabSize, width: width))
        transformersCode?.apply(to: &rewrite)
        let outputBytes = try target.write(rewrite, hardLink: options.hardLinkUnchangedShards)
        return ConversionSummary(
            input: input, output: outputPaths[0], format: source.format, tableRows: m.vocabSize, tableWidth: width,
            tableType: tableType.name, tableBytes: tableBytes, compressedTableBytes: contents.compressedBytes,
            removedTensors: options.keepOriginal ? [] : spec.removedTensors,
            passedThrough: kept.count, outputBytes: outputBytes, inputBytes: source.files.reduce(0) { $0 + $1.size },
            seconds: Date().timeIntervalSince(start), tableSeconds: timer.seconds, tableFlops: table.flops)
    }

    /// Fails early when the output's file system has less room than the output needs.
    func checkFreeSpace(needed: Int) throws {
        let directory = URL(fileURLWithPath: output).deletingLastPathComponent().path
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: directory),
            let free = (attributes[.systemFreeSize] as? NSNumber)?.intValue
        else { return }
        let margin = 1 << 20
        guard free >= needed + margin else {
            throw FormatError(file: output, "not enough disk space: need \(needed) bytes, \(free) free")
        }
    }
}

/// Wall time of the table's production, measured around the writer's producer call.
final class TableTimer: @unchecked Sendable {
    private(set) var seconds = 0.0

    func measure<T>(_ body: () throws -> T) rethrows -> T {
        let start = Date()
        defer { seconds += Date().timeIntervalSince(start) }
        return try body()
    }
}

/// The table as the container writers take it: plain bytes produced while the rest is copied, or
/// zstd frames already in a scratch file beside the output (the headers need their size up front).
enum TableContents {
    case plain(TensorSource)
    /// `scratch` owns the frames' file, deleted when it goes away.
    case compressed(scratch: OutputFile, frames: MappedFile, offsets: [Int64])

    /// The tensors that hold the table, in file order: the plain table, or I64 frame offsets and the
    /// frames (I8 in GGUF, U8 in safetensors).
    func tensors(tableType: TensorType, rows: Int, width: Int) -> [CheckpointRewrite.Tensor] {
        switch self {
        case .plain(let producer):
            return [CheckpointRewrite.Tensor(name: PrecomputedTable.tensorName, shape: [rows, width], type: tableType, source: producer)]
        case .compressed(_, let frames, let offsets):
            let gguf = if case .ggml = tableType { true } else { false }
            let offsetBytes = offsets.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
            return [
                CheckpointRewrite.Tensor(
                    name: PrecomputedTable.frameOffsetsTensorName, shape: [offsets.count], type: gguf ? .ggml(.i64) : .safetensors(.i64),
                    source: .producer { try $0.write(offsetBytes) }),
                CheckpointRewrite.Tensor(
                    name: PrecomputedTable.framesTensorName, shape: [frames.size], type: gguf ? .ggml(.i8) : .safetensors(.u8),
                    source: .mapped(frames, offset: 0)),
            ]
        }
    }

    var compressedBytes: Int? {
        guard case .compressed(_, let frames, let offsets) = self else { return nil }
        return frames.size + 8 * offsets.count
    }
}

/// ckpt's version: what `--version` prints and converted files record as their `tool_version`.
public let toolVersion = "0.1.0"
