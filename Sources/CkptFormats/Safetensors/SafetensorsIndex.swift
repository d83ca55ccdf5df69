import CkptJSON
import CkptStorage

/// `model.safetensors.index.json`, the map of a sharded checkpoint (docs/formats.md, "Sharded safetensors"):
/// `{"metadata": {"total_size": N, ...}, "weight_map": {"tensor": "model-00001-of-00002.safetensors", ...}}`.
public struct SafetensorsIndex: Sendable {
    public static let fileName = "model.safetensors.index.json"
    /// A cap on distinct shard files, against descriptor exhaustion.
    public static let maximumShardCount = 10_000

    /// The index's `metadata` object, kept as it was.
    public var metadata: JSONObject
    /// Tensor name → shard file name, in file order.
    public var weightMap: [(tensor: String, shard: String)]
    /// Distinct shard file names, sorted (so `-00001-of-` comes first).
    public var shardNames: [String]

    /// Parses and validates an index file's bytes.
    public init(bytes: UnsafeRawBufferPointer, path: String) throws(FormatError) {
        let root = try JSONBudget.parse(bytes, file: path, maxBytes: JSONBudget.indexBytes)
        guard let object = root.object, let map = object["weight_map"]?.object else {
            throw FormatError(file: path, "no weight_map object")
        }
        metadata = object["metadata"]?.object ?? JSONObject()
        var pairs: [(tensor: String, shard: String)] = []
        var shards: [String] = []
        var seen = Set<String>()
        for (tensor, value) in map {
            guard let shard = value.string else {
                throw FormatError(file: path, "weight_map value is not a string", subject: tensor)
            }
            guard Self.isPlainFileName(shard) else {
                throw FormatError(file: path, "shard name \"\(QuotedName(shard))\" is not a plain file name", subject: tensor)
            }
            if seen.insert(shard).inserted {
                shards.append(shard)
                guard shards.count <= Self.maximumShardCount else {
                    throw FormatError(file: path, "more than \(Self.maximumShardCount) shard files")
                }
            }
            pairs.append((tensor, shard))
        }
        weightMap = pairs
        shardNames = shards.sorted()
    }

    /// Builds an index for shards written by this tool.
    public init(totalSize: Int, weightMap: [(tensor: String, shard: String)], metadata: JSONObject = JSONObject()) {
        var metadata = metadata
        metadata["total_size"] = .number(JSONNumber(totalSize))
        self.metadata = metadata
        self.weightMap = weightMap.sorted { Array($0.tensor.utf8).lexicographicallyPrecedes(Array($1.tensor.utf8)) }
        var seen = Set<String>()
        shardNames = self.weightMap.map(\.shard).filter { seen.insert($0).inserted }.sorted()
    }

    /// The index as pretty JSON (the layout transformers writes).
    public func jsonBytes() -> [UInt8] {
        var map = JSONObject()
        for (tensor, shard) in weightMap { map[tensor] = .string(shard) }
        var root = JSONObject()
        root["metadata"] = .object(metadata)
        root["weight_map"] = .object(map)
        return JSONValue.object(root).serializedBytes(options: .prettyPrinted) + [UInt8(ascii: "\n")]
    }

    /// No separators, no parent references, not absolute, not a URL.
    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\\")
            && !name.utf8.contains(0) && !name.contains(":")
    }

    /// `model-00001-of-00003.safetensors` (numbered from 1).
    public static func shardName(_ index: Int, of count: Int) -> String {
        "model-\(paddedNumber(index + 1))-of-\(paddedNumber(count)).safetensors"
    }
}

/// A number with at least five digits, zero-padded (`%05d`).
func paddedNumber(_ value: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, 5 - digits.count)) + digits
}
