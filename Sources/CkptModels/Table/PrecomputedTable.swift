import CkptFormats
import CkptJSON

/// How a converted checkpoint stores its first layer (FORMAT.md): one table of `vocab` rows, each
/// `[residual | q | k | v]`, where residual is the scaled embedding row (serial blocks) or
/// `x + FFN(norm(x)) + b_o` (parallel blocks), and q, k are pre-RoPE; for multi-head latent attention
/// `[x | q | c_kv | k_pe]` (docs/formats.md, "Table layouts").
public struct PrecomputedTable: Sendable, Equatable {
    /// Format version of the converted layout.
    public static let formatVersion = 1
    /// GGUF metadata key prefix, and the config.json key holding the same fields as an object.
    public static let ggufPrefix = "ckpt.precompute."
    public static let configKey = "ckpt_precompute"
    /// The table's tensor name in both formats.
    public static let tensorName = "first_layer_table.weight"
    /// A compressed table instead: the zstd frames back to back (bytes), and where each frame starts
    /// (I64, frames + 1 values from 0 to the byte count).
    public static let framesTensorName = "first_layer_table.zstd"
    public static let frameOffsetsTensorName = "first_layer_table.frame_offsets"

    /// How the table's bytes are compressed.
    public struct Compression: Sendable, Equatable {
        /// Whole rows per zstd frame (the last frame may hold fewer).
        public var frameRows: Int
        /// Element bytes regrouped into planes before compression (1: not shuffled).
        public var shufflePlanes: Int
        public var level: Int

        public init(frameRows: Int, shufflePlanes: Int, level: Int) {
            self.frameRows = frameRows
            self.shufflePlanes = shufflePlanes
            self.level = level
        }
    }

    public enum Block: String, Sendable { case serial, parallel }

    public var block: Block
    /// What a row holds, in order (`x` or `x+ffn`, `q`, `k`, `v`; MLA: `x`, `q`, `c_kv`, `k_pe`).
    public var segments: [TableSegment]
    /// Rows in the table: one per vocabulary entry (nil in files that predate the field).
    public var rows: Int?
    /// Tensors of the source checkpoint that the table replaces.
    public var removedTensors: [String]
    /// Whether the attention output bias of layer 0 is already inside the residual segment.
    public var outputBiasFolded: Bool
    /// How the values are stored.
    public var storage: TableStorage
    /// zstd framing, or nil when the table is stored as a plain tensor.
    public var compression: Compression?
    /// SHA-256 over the source files' names, sizes and headers.
    public var sourceFingerprint: String
    public var toolVersion: String
    /// The conversion options, as given.
    public var options: String
    /// RoPE the runtime applies to q and k (copied from the description, for runtimes that need nothing else).
    public var ropeStyle: String
    public var ropeDimensions: Int
    public var ropeTheta: Double

    public var rowWidth: Int { segments.rowWidth }

    /// The recorded `compression` field: "none" or "zstd".
    public var compressionName: String { compression == nil ? "none" : "zstd" }

    /// The tensor holding the table's bytes: the plain table, or its zstd frames.
    public var tableTensor: String { compression == nil ? Self.tensorName : Self.framesTensorName }

    public init(
        block: Block, rows: Int?, segments: [TableSegment], removedTensors: [String], outputBiasFolded: Bool, storage: TableStorage,
        compression: Compression?, sourceFingerprint: String, toolVersion: String, options: String,
        rope: ModelDescription.Rope
    ) {
        self.block = block
        self.segments = segments
        self.rows = rows
        self.removedTensors = removedTensors
        self.outputBiasFolded = outputBiasFolded
        self.storage = storage
        self.compression = compression
        self.sourceFingerprint = sourceFingerprint
        self.toolVersion = toolVersion
        self.options = options
        ropeStyle = rope.style.rawValue
        ropeDimensions = rope.dimensions
        ropeTheta = rope.theta
    }

    /// The fields as GGUF metadata entries (keys under `ckpt.precompute.`).
    public var ggufMetadata: [GGUFKeyValue] {
        let p = Self.ggufPrefix
        return [
            GGUFKeyValue(p + "version", .uint32(UInt32(Self.formatVersion))),
            GGUFKeyValue(p + "table_tensor", .string(tableTensor)),
            GGUFKeyValue(p + "block", .string(block.rawValue)),
            GGUFKeyValue(p + "segments", .array(GGUFArray(strings: segments.map(\.kind.rawValue)))),
            GGUFKeyValue(p + "segment_widths", .array(GGUFArray(values: segments.map { .uint32(UInt32($0.width)) }, elementType: .uint32))),
            GGUFKeyValue(p + "rows", .uint32(UInt32(rows ?? 0))),
            GGUFKeyValue(p + "rope_style", .string(ropeStyle)),
            GGUFKeyValue(p + "rope_dimensions", .uint32(UInt32(ropeDimensions))),
            GGUFKeyValue(p + "rope_theta", .float64(ropeTheta)),
            GGUFKeyValue(p + "table_dtype", .string(storage.rawValue)),
            GGUFKeyValue(p + "compression", .string(compressionName)),
            GGUFKeyValue(p + "output_bias_folded", .bool(outputBiasFolded)),
            GGUFKeyValue(p + "removed_tensors", .array(GGUFArray(strings: removedTensors))),
            GGUFKeyValue(p + "source_fingerprint", .string(sourceFingerprint)),
            GGUFKeyValue(p + "tool_version", .string(toolVersion)),
            GGUFKeyValue(p + "options", .string(options)),
        ]
            + (compression.map { c in
                [
                    GGUFKeyValue(p + "frame_offsets_tensor", .string(Self.frameOffsetsTensorName)),
                    GGUFKeyValue(p + "frame_rows", .uint32(UInt32(c.frameRows))),
                    GGUFKeyValue(p + "shuffle_planes", .uint32(UInt32(c.shufflePlanes))),
                    GGUFKeyValue(p + "zstd_level", .int32(Int32(c.level))),
                ]
            } ?? [])
    }

    /// The fields as the config.json object `ckpt_precompute`.
    public var json: JSONObject {
        JSONObject(
            [
                ("version", .number(JSONNumber(Self.formatVersion))), ("table_tensor", .string(tableTensor)),
                ("block", .string(block.rawValue)), ("segments", .array(segments.map { .string($0.kind.rawValue) })),
                ("segment_widths", .array(segments.map { .number(JSONNumber($0.width)) })), ("rows", .number(JSONNumber(rows ?? 0))),
                ("rope_style", .string(ropeStyle)), ("rope_dimensions", .number(JSONNumber(ropeDimensions))),
                ("rope_theta", JSONNumber(exactly: ropeTheta).map(JSONValue.number) ?? .null),
                ("table_dtype", .string(storage.rawValue)), ("compression", .string(compressionName)),
                ("output_bias_folded", .bool(outputBiasFolded)), ("removed_tensors", .array(removedTensors.map(JSONValue.string))),
                ("source_fingerprint", .string(sourceFingerprint)), ("tool_version", .string(toolVersion)),
                ("options", .string(options)),
            ]
                + (compression.map { c in
                    [
                        ("frame_offsets_tensor", .string(Self.frameOffsetsTensorName)), ("frame_rows", .number(JSONNumber(c.frameRows))),
                        ("shuffle_planes", .number(JSONNumber(c.shufflePlanes))), ("zstd_level", .number(JSONNumber(c.level))),
                    ]
                } ?? []))
    }

    /// Reads the fields from GGUF metadata or config.json; nil when the checkpoint is not converted.
    public static func read(_ config: ConfigReader) throws(ModelError) -> PrecomputedTable? {
        let reader: ConfigReader
        let key: (String) -> String
        if let object = try config.object(configKey) {
            reader = config.nested(object)
            key = { $0 }
        } else if config.has(ggufPrefix + "version") {
            reader = config
            key = { ggufPrefix + $0 }
        } else {
            return nil
        }
        let version = try require(reader.int(key("version")), key("version"), config.file)
        guard version == formatVersion else {
            throw ModelError(file: config.file, "converted with layout version \(version); this ckpt reads version \(formatVersion)")
        }
        guard let block = Block(rawValue: try require(reader.string(key("block")), key("block"), config.file)) else {
            throw ModelError(file: config.file, "\(key("block")) must be serial or parallel")
        }
        let segments = try Self.readSegments(reader, key: key, block: block, file: config.file)
        var compression: Compression?
        switch try reader.string(key("compression")) ?? "none" {
        case "none": compression = nil
        case "zstd":
            let frameRows = try require(reader.int(key("frame_rows")), key("frame_rows"), config.file)
            let planes = try reader.int(key("shuffle_planes")) ?? 1
            guard frameRows > 0, [1, 2, 4].contains(planes) else {
                throw ModelError(file: config.file, "\(key("frame_rows")) must be positive and \(key("shuffle_planes")) 1, 2 or 4")
            }
            let level = try reader.int(key("zstd_level"), in: Int(Int32.min)...Int(Int32.max)) ?? 0
            compression = Compression(frameRows: frameRows, shufflePlanes: planes, level: level)
        case let other:
            throw ModelError(file: config.file, "table compression \"\(other)\" is not supported by this ckpt")
        }
        let rows = try reader.int(key("rows"), in: 1...Int(Int32.max))
        if compression != nil, rows == nil {
            throw ModelError(file: config.file, "a compressed table needs \(key("rows"))")
        }
        let storageName = try reader.string(key("table_dtype")) ?? ""
        guard let storage = TableStorage(rawValue: storageName) else {
            throw ModelError(
                file: config.file, "table storage type \"\(storageName)\" is not supported by this ckpt (\(key("table_dtype")))")
        }
        var table = PrecomputedTable(
            block: block, rows: rows, segments: segments, removedTensors: try reader.stringList(key("removed_tensors")) ?? [],
            outputBiasFolded: try reader.bool(key("output_bias_folded")) ?? false,
            storage: storage, compression: compression,
            sourceFingerprint: try reader.string(key("source_fingerprint")) ?? "",
            toolVersion: try reader.string(key("tool_version")) ?? "", options: try reader.string(key("options")) ?? "",
            rope: ModelDescription.Rope(style: .neox, dimensions: 0, theta: 0))
        table.ropeStyle = try reader.string(key("rope_style")) ?? ""
        table.ropeDimensions = try reader.int(key("rope_dimensions")) ?? 0
        table.ropeTheta = try reader.double(key("rope_theta")) ?? 0
        return table
    }

    /// The recorded segments: names this ckpt knows, positive widths, and a layout it runs — the
    /// residual kind of `block`, then q, k and v; or, for serial blocks, MLA's x, q, c_kv and k_pe.
    static func readSegments(
        _ reader: ConfigReader, key: (String) -> String, block: Block, file: String
    ) throws(ModelError) -> [TableSegment] {
        let widths = try require(reader.integers(key("segment_widths")), key("segment_widths"), file)
        let names = try reader.stringList(key("segments")) ?? [block == .serial ? "x" : "x+ffn", "q", "k", "v"]
        guard names.count == widths.count, widths.allSatisfy({ $0 > 0 }) else {
            throw ModelError(file: file, "\(key("segments")) and \(key("segment_widths")) must name as many segments, each positive")
        }
        var segments: [TableSegment] = []
        for (name, width) in zip(names, widths) {
            guard let kind = TableSegment.Kind(rawValue: name) else {
                throw ModelError(file: file, "table segment \"\(name)\" is not supported by this ckpt (\(key("segments")))")
            }
            segments.append(TableSegment(kind, width: width))
        }
        let known = TableSegment.knownLayouts(block: block)
        guard known.contains(segments.map(\.kind)) else {
            throw ModelError(
                file: file,
                "table segments \(names) are not the layout this ckpt runs for \(block.rawValue) blocks: "
                    + known.map { $0.map(\.rawValue).joined(separator: ", ") }.joined(separator: "; or "))
        }
        return segments
    }
}
