import CkptFormats
import CkptJSON

/// Typed reads of model hyperparameters from either `config.json` or GGUF metadata, accepting the
/// spellings published checkpoints use and naming the file and key in every error.
///
/// Every value taken from a file is range-checked here before it becomes a size (docs/formats.md, "Hostile inputs" rows 15, 34).
public struct ConfigReader: Sendable {
    enum Source: Sendable {
        case json(JSONObject)
        case gguf([GGUFKeyValue], prefix: String)
    }

    let source: Source
    /// The file the values came from, for error messages.
    public let file: String

    /// Reads `config.json` (a multimodal wrapper's `text_config` is used when present).
    public init(config: JSONObject, file: String) {
        if let text = config["text_config"]?.object {
            var merged = text
            // A converted wrapper records its table at the top level, where its head's tying is decided too.
            for key in ["architectures", "tie_word_embeddings", PrecomputedTable.configKey] where merged[key] == nil {
                if let value = config[key] { merged[key] = value }
            }
            source = .json(merged)
        } else {
            source = .json(config)
        }
        self.file = file
    }

    /// Reads GGUF metadata; keys starting with "." are relative to `<architecture>.`.
    public init(gguf metadata: [GGUFKeyValue], architecture: String, file: String) {
        source = .gguf(metadata, prefix: architecture + ".")
        self.file = file
    }

    /// A value from either source.
    enum Value {
        case json(JSONValue)
        case gguf(GGUFValue)

        var integer: Int? {
            switch self {
            case .json(let v): v.number?.int64.map(Int.init) ?? v.number?.double.flatMap { Int(exactly: $0) }
            case .gguf(let v): v.integer
            }
        }

        var number: Double? {
            switch self {
            case .json(let v): v.number?.double
            case .gguf(let v): v.number
            }
        }

        var bool: Bool? {
            switch self {
            case .json(let v): v.bool
            case .gguf(let v): v.bool
            }
        }

        var string: String? {
            switch self {
            case .json(let v): v.string
            case .gguf(let v): v.string
            }
        }
    }

    /// `key` as the file spells it: GGUF keys starting with "." under the architecture's prefix.
    public func keyName(_ key: String) -> String {
        guard case .gguf(_, let prefix) = source, key.hasPrefix(".") else { return key }
        return prefix + key.dropFirst()
    }

    private func lookup(_ key: String) -> (value: Value, text: String)? {
        switch source {
        case .json(let object):
            guard let value = object[key], !value.isNull else { return nil }
            return (.json(value), key)
        case .gguf(let metadata, let prefix):
            let full = key.hasPrefix(".") ? prefix + key.dropFirst() : key
            guard let entry = metadata.first(where: { $0.key == full }) else { return nil }
            return (.gguf(entry.value), full)
        }
    }

    /// Whether any of `keys` is present (and not null).
    public func has(_ keys: String...) -> Bool { keys.contains { lookup($0) != nil } }

    /// The first of `keys` present, as an integer within `range`.
    public func int(_ keys: String..., in range: ClosedRange<Int> = 0...Int(Int32.max)) throws(ModelError) -> Int? {
        for key in keys {
            guard let (value, name) = lookup(key) else { continue }
            guard let integer = value.integer else { throw ModelError(file: file, "\(name) must be an integer") }
            guard range.contains(integer) else {
                throw ModelError(file: file, "\(name) is \(integer), outside \(range.lowerBound) to \(range.upperBound)")
            }
            return integer
        }
        return nil
    }

    /// The first of `keys` present, as a finite number.
    public func double(_ keys: String...) throws(ModelError) -> Double? {
        for key in keys {
            guard let (value, name) = lookup(key) else { continue }
            guard let number = value.number, number.isFinite else { throw ModelError(file: file, "\(name) must be a finite number") }
            return number
        }
        return nil
    }

    /// The first of `keys` present, as a finite number above 0 (a RoPE base), or 0 and above when
    /// `orZero` (a norm epsilon); the error names the key.
    public func positive(_ keys: String..., orZero: Bool = false) throws(ModelError) -> Double? {
        for key in keys {
            guard let (value, name) = lookup(key) else { continue }
            guard let number = value.number, number.isFinite else { throw ModelError(file: file, "\(name) must be a finite number") }
            guard number > 0 || (orZero && number == 0) else {
                throw ModelError(file: file, "\(name) is \(number), it must be \(orZero ? "0 or above" : "above 0")")
            }
            return number
        }
        return nil
    }

    /// The first of `keys` present, as a boolean.
    public func bool(_ keys: String...) throws(ModelError) -> Bool? {
        for key in keys {
            guard let (value, name) = lookup(key) else { continue }
            guard let b = value.bool else { throw ModelError(file: file, "\(name) must be true or false") }
            return b
        }
        return nil
    }

    /// The first of `keys` present, as a string.
    public func string(_ keys: String...) throws(ModelError) -> String? {
        for key in keys {
            guard let (value, name) = lookup(key) else { continue }
            guard let text = value.string else { throw ModelError(file: file, "\(name) must be a string") }
            return text
        }
        return nil
    }

    /// A JSON object value (config.json only), e.g. `rope_scaling`.
    public func object(_ key: String) throws(ModelError) -> JSONObject? {
        guard let (value, name) = lookup(key) else { return nil }
        guard case .json(let json) = value, let object = json.object else { throw ModelError(file: file, "\(name) must be an object") }
        return object
    }

    /// A JSON array of strings (config.json only), e.g. `layer_types`.
    public func strings(_ key: String) throws(ModelError) -> [String]? {
        guard let (value, name) = lookup(key) else { return nil }
        guard case .json(let json) = value, let items = json.array else { throw ModelError(file: file, "\(name) must be an array") }
        var result: [String] = []
        for item in items {
            guard let text = item.string else { throw ModelError(file: file, "\(name) must hold strings") }
            result.append(text)
        }
        return result
    }

    /// An array of integers from either source (JSON array or GGUF integer array).
    public func integers(_ key: String) throws(ModelError) -> [Int]? {
        guard let (value, name) = lookup(key) else { return nil }
        if case .gguf(let v) = value, let ints = v.array?.integers() { return ints }
        if case .json(let v) = value, let items = v.array {
            let ints = items.compactMap { $0.number?.int64.map(Int.init) }
            if ints.count == items.count { return ints }
        }
        throw ModelError(file: file, "\(name) must be an array of integers")
    }

    /// An array of strings from either source (JSON array or GGUF string array).
    public func stringList(_ key: String) throws(ModelError) -> [String]? {
        guard let (value, name) = lookup(key) else { return nil }
        if case .gguf(let v) = value, let strings = v.array?.strings() { return strings }
        if case .json = value { return try strings(key) }
        throw ModelError(file: file, "\(name) must be an array of strings")
    }

    /// Whether `key` holds an array (GGUF's `attention.sliding_window_pattern` is a period or per-layer flags).
    public func isArray(_ key: String) -> Bool {
        switch lookup(key)?.value {
        case .gguf(let v): v.array != nil
        case .json(let v): v.array != nil
        case nil: false
        }
    }

    /// An array of per-layer flags from either source: booleans, or integers read as nonzero (GGUF's
    /// `attention.sliding_window_pattern`, SmolLM3's `no_rope_layers`).
    public func flags(_ key: String) throws(ModelError) -> [Bool]? {
        guard let (value, name) = lookup(key) else { return nil }
        switch value {
        case .gguf(let v):
            if let array = v.array, array.elementType == .bool { return (0..<array.count).map { array.element(at: $0).bool ?? false } }
            if let ints = v.array?.integers() { return ints.map { $0 != 0 } }
        case .json(let v):
            if let items = v.array {
                let flags = items.compactMap { item in item.bool ?? item.number?.int64.map { $0 != 0 } }
                if flags.count == items.count { return flags }
            }
        }
        throw ModelError(file: file, "\(name) must be an array of booleans or integers")
    }

    /// This reader with `defaults` for the config.json keys it lacks (GGUF metadata is returned as is):
    /// a family's transformers defaults, which published configs leave out (Gemma 3's `text_config`).
    public func fillingIn(_ defaults: [String: JSONValue]) -> ConfigReader {
        guard case .json(var object) = source, !defaults.isEmpty else { return self }
        for (key, value) in defaults.sorted(by: { $0.key < $1.key }) where object[key] == nil { object[key] = value }
        return ConfigReader(source: .json(object), file: file)
    }

    /// A sub-reader over a nested JSON object (for `rope_scaling` and `rope_parameters`).
    public func nested(_ object: JSONObject) -> ConfigReader {
        ConfigReader(source: .json(object), file: file)
    }

    /// A sub-reader over `object[key]`, nil when absent or null (`rope_parameters.full_attention`).
    public func nested(_ object: JSONObject, _ key: String) throws(ModelError) -> ConfigReader? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let inner = value.object else { throw ModelError(file: file, "\(key) must be an object") }
        return nested(inner)
    }

    /// A JSON array of finite numbers (config.json only), e.g. LongRoPE's `short_factor`.
    public func numbers(_ key: String) throws(ModelError) -> [Double]? {
        guard let (value, name) = lookup(key) else { return nil }
        guard case .json(let json) = value, let items = json.array else { throw ModelError(file: file, "\(name) must be an array") }
        var result: [Double] = []
        for item in items {
            guard let number = item.number?.double, number.isFinite else {
                throw ModelError(file: file, "\(name) must hold finite numbers")
            }
            result.append(number)
        }
        return result
    }

    private init(source: Source, file: String) {
        self.source = source
        self.file = file
    }
}
