/// A JSON value as `JSONParser` reads it and `serialized(options:)` writes it.
///
/// Kept apart from Foundation's JSON types because safetensors headers must be checked for things
/// those hide (docs/formats.md, "Strict JSON", "Hostile inputs" rows 37–43): numbers keep their literal text so `UInt64` values
/// beyond 2^53 stay exact, objects keep their order and can never hold two keys with the same bytes,
/// and strings compare by UTF-8 bytes rather than by Unicode canonical equivalence.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The object, if this is one.
    public var object: JSONObject? {
        if case .object(let value) = self { value } else { nil }
    }

    /// The elements, if this is an array.
    public var array: [JSONValue]? {
        if case .array(let value) = self { value } else { nil }
    }

    /// The text, if this is a string.
    public var string: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The flag, if this is `true` or `false`.
    public var bool: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    /// The number, if this is one; read it with `uint64`, `int64` or `double`.
    public var number: JSONNumber? {
        if case .number(let value) = self { value } else { nil }
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { true } else { false }
    }
}

extension JSONValue: Equatable {
    /// Structural equality: numbers by literal text, strings and keys by UTF-8 bytes, objects in order.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): sameUTF8(a, b)
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a == b
        default: false
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// A repeated key keeps its first position and its last value, as `JSONObject`'s subscript does.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}

/// A JSON number kept as the literal text it was read from or written as.
///
/// Keeping the text (rather than a `Double`) is what makes integers above 2^53 exact and lets a
/// reader tell `2`, `2.0` and `2e0` apart, as the safetensors reference does for shapes and offsets.
/// Equality compares the text, so `1` and `1.0` are different numbers.
public struct JSONNumber: Sendable, Equatable, CustomStringConvertible {
    /// The literal exactly as written; always valid JSON number syntax.
    public let text: String

    /// Wraps text the parser has already checked against the JSON number grammar.
    init(validatedText: String) { text = validatedText }

    /// An integer, written in decimal.
    public init(_ value: some BinaryInteger) { text = String(value) }

    /// A finite `Double` as its shortest text that reads back to the same value; nil for NaN and
    /// infinities, which JSON cannot express.
    public init?(exactly value: Double) {
        guard value.isFinite else { return nil }
        text = value.description
    }

    /// A finite `Float` as its shortest text that reads back to the same `Float` (`0.1`, not the
    /// `0.10000000149011612` its widening to `Double` would print); nil for NaN and infinities.
    public init?(exactly value: Float) {
        guard value.isFinite else { return nil }
        text = value.description
    }

    public var description: String { text }

    /// The exact value when the literal is an integer (no fraction, no exponent) in
    /// `0...UInt64.max`; `-0` counts as 0. Nil for `2.0`, `2e0`, `-2` and `18446744073709551616`.
    public var uint64: UInt64? {
        guard isIntegerLiteral else { return nil }
        if text.utf8.first == UInt8(ascii: "-") { return text == "-0" ? 0 : nil }
        return UInt64(text)
    }

    /// The exact value when the literal is an integer (no fraction, no exponent) in `Int64`'s range.
    public var int64: Int64? {
        isIntegerLiteral ? Int64(text) : nil
    }

    /// The nearest `Double`; nil only when the magnitude is beyond `Double`'s range (e.g. `1e400`),
    /// so a later conversion to an integer cannot meet an infinity.
    public var double: Double? {
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    private var isIntegerLiteral: Bool {
        !text.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }
}

/// A JSON object: entries in the order read or inserted, each key present once.
///
/// Keys are distinct by UTF-8 bytes, so `"é"` (U+00E9) and `"e\u{301}"` are two keys, as in the
/// Rust and Python readers, where a `[String: …]` would merge them (docs/formats.md, "Strict JSON"). Lookups in large
/// objects go through a byte-keyed index so that building a 10^6-entry header stays linear.
/// Equality compares entries in order.
public struct JSONObject: Sendable, Equatable, Sequence {
    /// The entries in order.
    public private(set) var entries: [(key: String, value: JSONValue)] = []
    /// Key bytes → position in `entries`; present only above `linearSearchLimit` entries.
    private var positions: [ByteKey: Int]?

    /// Objects up to this size are searched linearly, which beats hashing for tensor entries' 3 keys.
    private static let linearSearchLimit = 16

    /// An empty object.
    public init() {}

    /// An object with these entries in order; a repeated key keeps its first position and its last
    /// value, as assigning through the subscript would.
    public init(_ entries: [(String, JSONValue)]) {
        for (key, value) in entries { self[key] = value }
    }

    /// The number of entries.
    public var count: Int { entries.count }

    /// The keys in order.
    public var keys: [String] { entries.map(\.key) }

    /// The value for the key with exactly these UTF-8 bytes. Assigning replaces the value in place or
    /// appends a new entry; assigning nil removes the entry.
    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { entries[$0].value } }
        set {
            guard let newValue else {
                removeValue(forKey: key)
                return
            }
            if !appendIfAbsent(key: key, value: newValue), let index = position(of: key) {
                entries[index].value = newValue
            }
        }
    }

    /// Removes the entry whose key has exactly these UTF-8 bytes, keeping the others in order.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let index = position(of: key) else { return nil }
        let removed = entries.remove(at: index).value
        positions = nil
        if entries.count > Self.linearSearchLimit { buildPositions() }
        return removed
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
        entries.makeIterator()
    }

    public var underestimatedCount: Int { entries.count }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { sameUTF8($0.key, $1.key) && $0.value == $1.value }
    }

    /// The position of the entry whose key has exactly these UTF-8 bytes.
    private func position(of key: String) -> Int? {
        if let positions { return positions[ByteKey(key)] }
        return entries.firstIndex { sameUTF8($0.key, key) }
    }

    /// Appends the entry unless its key is already present, with a single index lookup; returns
    /// whether it was appended. The parser uses the result to report duplicates.
    mutating func appendIfAbsent(key: String, value: JSONValue) -> Bool {
        if positions != nil {
            let byteKey = ByteKey(key)
            if let existing = positions!.updateValue(entries.count, forKey: byteKey) {
                positions![byteKey] = existing
                return false
            }
            entries.append((key, value))
        } else {
            guard position(of: key) == nil else { return false }
            entries.append((key, value))
            if entries.count > Self.linearSearchLimit { buildPositions() }
        }
        return true
    }

    private mutating func buildPositions() {
        var index: [ByteKey: Int] = [:]
        index.reserveCapacity(entries.count)
        for (position, entry) in entries.enumerated() { index[ByteKey(entry.key)] = position }
        positions = index
    }
}

/// A string hashed and compared by its UTF-8 bytes, unlike `String`'s canonical equivalence.
///
/// The (seeded) hash of the bytes is kept beside the string and compared first, so probing a
/// 10^6-entry index rarely has to fetch another key's bytes from memory.
private struct ByteKey: Hashable, Sendable {
    let string: String
    let bytesHash: Int

    init(_ string: String) {
        var string = string
        var hasher = Hasher()
        string.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        self.string = string
        bytesHash = hasher.finalize()
    }

    static func == (lhs: ByteKey, rhs: ByteKey) -> Bool {
        lhs.bytesHash == rhs.bytesHash && sameUTF8(lhs.string, rhs.string)
    }

    func hash(into hasher: inout Hasher) { hasher.combine(bytesHash) }
}

/// Whether two strings have identical UTF-8 bytes (Swift's `==` would also equate canonically
/// equivalent spellings such as "é" and "e\u{301}").
private func sameUTF8(_ a: String, _ b: String) -> Bool {
    guard a.utf8.count == b.utf8.count else { return false }
    var (a, b) = (a, b)
    return a.withUTF8 { x in b.withUTF8 { y in x.elementsEqual(y) } }
}
