import CkptFormats

/// How a converted checkpoint stores its first layer (FORMAT.md): one table of `vocab` rows, each
/// `[residual | q | k | v]`, where residual is the scaled embedding row (serial blocks) or
/// `x + FFN(norm(x)) + b_o` (parallel blocks), and q, k are pre-RoPE.
public struct PrecomputedTable: Sendable, Equatable {
    /// Format version of the converted layout.
    public static let formatVersion = 1
    /// GGUF metadata key prefix, and the config.json key holding the same fields as an object.
    public static let ggufPrefix = "ckpt.precompute."
    public static let configKey = "ckpt_precompute"
    /// The table's tensor name in both formats.
    public static let tensorName = "first_layer_table.weight"

    public enum Block: String, Sendable { case serial, parallel }

    public var block: Block
    /// Segment names in order: `x` (or `x+ffn`), `q`, `k`, `v`.
    public var segments: [String]
    public var segmentWidths: [Int]
    /// Tensors of the source checkpoint that the table replaces.
    public var removedTensors: [String]
    /// Whether the attention output bias of layer 0 is already inside the residual segment.
    public var outputBiasFolded: Bool
    public var tableDType: String
    public var compression: String
    /// SHA-256 over the source files' names, sizes and headers.
    public var sourceFingerprint: String
    public var toolVersion: String
    /// The conversion options, as given.
    public var options: String
    /// RoPE the runtime applies to q and k (copied from the description, for runtimes that need nothing else).
    public var ropeStyle: String
    public var ropeDimensions: Int
    public var ropeTheta: Double

    public var rowWidth: Int { segmentWidths.reduce(0, +) }

    public init(
        block: Block, segmentWidths: [Int], removedTensors: [String], outputBiasFolded: Bool, tableDType: String,
        compression: String, sourceFingerprint: String, toolVersion: String, options: String,
        rope: ModelDescription.Rope
    ) {
        self.block = block
        segments = [block == .serial ? "x" : "x+ffn", "q", "k", "v"]
        self.segmentWidths = segmentWidths
        self.removedTensors = removedTensors
        self.outputBiasFolded = outputBiasFolded
        self.tableDType = tableDType
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
            GGUFKeyValue(p + "table_tensor", .string(Self.tensorName)),
            GGUFKeyValue(p + "block", .string(block.rawValue)),
            GGUFKeyValue(p + "segments", .array(GGUFArray(strings: segments))),
            GGUFKeyValue(p + "segment_widths", .array(GGUFArray(values: segmentWidths.map { .uint32(UInt32($0)) }, elementType: .uint32))),
            GGUFKeyValue(p + "rope_style", .string(ropeStyle)),
            GGUFKeyValue(p + "rope_dimensions", .uint32(UInt32(ropeDimensions))),
            GGUFKeyValue(p + "rope_theta", .float64(ropeTheta)),
            GGUFKeyValue(p + "table_dtype", .string(tableDType)),
            GGUFKeyValue(p + "compression", .string(compression)),
            GGUFKeyValue(p + "output_bias_folded", .bool(outputBiasFolded)),
            GGUFKeyValue(p + "removed_tensors", .array(GGUFArray(strings: removedTensors))),
            GGUFKeyValue(p + "source_fingerprint", .string(sourceFingerprint)),
            GGUFKeyValue(p + "tool_version", .string(toolVersion)),
            GGUFKeyValue(p + "options", .string(options)),
        ]
    }

    /// The fields as the config.json object `ckpt_precompute`.
    public var json: JSONObject {
        JSONObject([
            ("version", .number(JSONNumber(Self.formatVersion))), ("table_tensor", .string(Self.tensorName)),
            ("block", .string(block.rawValue)), ("segments", .array(segments.map(JSONValue.string))),
            ("segment_widths", .array(segmentWidths.map { .number(JSONNumber($0)) })),
            ("rope_style", .string(ropeStyle)), ("rope_dimensions", .number(JSONNumber(ropeDimensions))),
            ("rope_theta", JSONNumber(exactly: ropeTheta).map(JSONValue.number) ?? .null),
            ("table_dtype", .string(tableDType)), ("compression", .string(compression)),
            ("output_bias_folded", .bool(outputBiasFolded)), ("removed_tensors", .array(removedTensors.map(JSONValue.string))),
            ("source_fingerprint", .string(sourceFingerprint)), ("tool_version", .string(toolVersion)),
            ("options", .string(options)),
        ])
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
        let widths = try require(reader.integers(key("segment_widths")), key("segment_widths"), config.file)
        guard widths.count == 4, widths.allSatisfy({ $0 > 0 }) else {
            throw ModelError(file: config.file, "\(key("segment_widths")) must be four positive widths")
        }
        let compression = try reader.string(key("compression")) ?? "none"
        guard compression == "none" else {
            throw ModelError(file: config.file, "table compression \"\(compression)\" is not supported by this ckpt")
        }
        var table = PrecomputedTable(
            block: block, segmentWidths: widths, removedTensors: try reader.stringList(key("removed_tensors")) ?? [],
            outputBiasFolded: try reader.bool(key("output_bias_folded")) ?? false,
            tableDType: try reader.string(key("table_dtype")) ?? "", compression: compression,
            sourceFingerprint: try reader.string(key("source_fingerprint")) ?? "",
            toolVersion: try reader.string(key("tool_version")) ?? "", options: try reader.string(key("options")) ?? "",
            rope: ModelDescription.Rope(style: .neox, dimensions: 0, theta: 0))
        table.ropeStyle = try reader.string(key("rope_style")) ?? ""
        table.ropeDimensions = try reader.int(key("rope_dimensions")) ?? 0
        table.ropeTheta = try reader.double(key("rope_theta")) ?? 0
        return table
    }
}
