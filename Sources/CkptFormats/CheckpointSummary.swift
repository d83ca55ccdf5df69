/// What `ckpt inspect` reports about a checkpoint, as one JSON value (the shape is documented in the
/// README): format, files, architecture, hyperparameters, tensors and metadata, long arrays summarized.
public struct CheckpointSummary: Sendable {
    /// Arrays longer than this are shown by their first elements and count.
    public static let arrayPreviewLength = 8

    public let json: JSONObject

    public init(_ checkpoint: Checkpoint) {
        var root = JSONObject()
        root["path"] = .string(checkpoint.path)
        root["format"] = .string(checkpoint.format.rawValue)
        root["files"] = .array(checkpoint.files.map { file in
            .object(JSONObject([("path", .string(file.path)), ("bytes", .number(JSONNumber(file.size)))]))
        })
        root["architecture"] = checkpoint.architecture.map(JSONValue.string) ?? .null
        root["hyperparameters"] = .object(Self.hyperparameters(checkpoint))
        root["tensor_count"] = .number(JSONNumber(checkpoint.tensors.count))
        root["tensor_bytes"] = .number(JSONNumber(checkpoint.tensors.reduce(0) { $0 + $1.byteCount }))
        root["tensors"] = .array(checkpoint.tensors.map { tensor in
            .object(JSONObject([
                ("name", .string(tensor.name)),
                ("dtype", .string(tensor.type.name)),
                ("shape", .array(tensor.shape.map { .number(JSONNumber($0)) })),
                ("bytes", .number(JSONNumber(tensor.byteCount))),
                ("file", .number(JSONNumber(tensor.fileIndex))),
            ]))
        })
        root["metadata"] = .object(Self.metadata(checkpoint))
        root["warnings"] = .array(Self.warnings(checkpoint).map(JSONValue.string))
        json = root
    }

    /// GGUF: the `<arch>.*` keys; safetensors: the scalar entries of config.json.
    static func hyperparameters(_ checkpoint: Checkpoint) -> JSONObject {
        var result = JSONObject()
        switch checkpoint.format {
        case .gguf:
            let prefix = (checkpoint.architecture ?? "") + "."
            for entry in checkpoint.ggufMetadata where entry.key.hasPrefix(prefix) {
                result[String(entry.key.dropFirst(prefix.count))] = summarize(entry.value)
            }
        case .safetensors:
            for (key, value) in checkpoint.config ?? JSONObject() {
                switch value {
                case .number, .bool, .string, .null: result[key] = value
                case .object where key.hasPrefix("rope"): result[key] = value
                default: continue
                }
            }
        }
        return result
    }

    static func metadata(_ checkpoint: Checkpoint) -> JSONObject {
        var result = JSONObject()
        switch checkpoint.format {
        case .gguf:
            for entry in checkpoint.ggufMetadata { result[entry.key] = summarize(entry.value) }
        case .safetensors:
            for (key, value) in checkpoint.safetensorsFiles.first?.metadata ?? [] { result[key] = .string(value) }
            if let index = checkpoint.safetensorsIndex {
                result["index.metadata"] = .object(index.metadata)
            }
        }
        return result
    }

    static func warnings(_ checkpoint: Checkpoint) -> [String] {
        checkpoint.ggufFiles.flatMap { file -> [String] in
            var notes: [String] = []
            if file.trailingBytes > 0 { notes.append("\(file.path): \(file.trailingBytes) trailing bytes after the data") }
            if file.lacksFinalPadding { notes.append("\(file.path): the last tensor's padding is missing") }
            if !file.hasSequentialLayout { notes.append("\(file.path): tensor offsets are not packed in order") }
            return notes
        }
    }

    /// A GGUF value as JSON; arrays longer than `arrayPreviewLength` become
    /// `{"type": "array", "element_type": T, "count": N, "head": [first elements]}`.
    static func summarize(_ value: GGUFValue) -> JSONValue {
        switch value {
        case .array(let array):
            let shown = min(array.count, arrayPreviewLength)
            let head = JSONValue.array((0..<shown).map { summarize(array.element(at: $0)) })
            guard array.count > arrayPreviewLength else { return head }
            return .object(JSONObject([
                ("type", .string("array")), ("element_type", .string(array.elementType.description)),
                ("count", .number(JSONNumber(array.count))), ("head", head),
            ]))
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .float32(let f): return JSONNumber(exactly: f).map(JSONValue.number) ?? .string("\(f)")
        case .float64(let d): return JSONNumber(exactly: d).map(JSONValue.number) ?? .string("\(d)")
        case .uint64(let v): return .number(JSONNumber(v))
        default: return .number(JSONNumber(value.integer!))
        }
    }
}
