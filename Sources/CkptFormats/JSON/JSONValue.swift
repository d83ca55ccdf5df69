/// A JSON value that keeps object key order and numbers exactly as written.
///
/// Object keys are compared by their UTF-8 bytes, never by Swift's Unicode-canonical `String ==`, so
/// "é" and "e\u{301}" stay two different keys, as they are to every other JSON implementation.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public var object: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var array: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var number: JSONNumber? {
        if case .number(let n) = self { return n }
        return nil
    }

    public var isNull: Bool { self == .null }

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a.utf8.elementsEqual(b.utf8)
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a == b
        default: false
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(floatLiteral value: Double) { self = .number(JSONNumber(exactly: value)!) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
    public init(nilLiteral: ()) { self = .null }
}

/// A JSON number, kept as its literal text so that integers up to 2⁶⁴−1 survive exactly.
public struct JSONNumber: Sendable, Equatable, CustomStringConvertible {
    /// The literal exactly as written (or as this type formats a value).
    public let text: String

    init(text: String) { self.text = text }

    public init(_ value: Int) { text = String(value) }
    public init(_ value: Int64) { text = String(value) }
    public init(_ value: UInt64) { text = String(value) }

    /// The shortest text that reads back as `value`; nil for NaN and infinities, which JSON cannot hold.
    public init?(exactly value: Double) {
        guard value.isFinite else { return nil }
        if value == value.rounded(), abs(value) < 1e15 {
            text = String(Int64(value))
        } else {
            text = "\(value)"
        }
    }

    /// The shortest text that reads back as the single-precision `value`; nil for NaN and infinities.
    public init?(exactly value: Float) {
        guard value.isFinite else { return nil }
        if value == value.rounded(), abs(value) < 1e7 {
            text = String(Int64(value))
        } else {
            text = "\(value)"
        }
    }

    public var description: String { text }

    private var isInteger: Bool { !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) }

    /// The exact value of a non-negative integer literal that fits in 64 bits.
    public var uint64: UInt64? { isInteger ? UInt64(text) : nil }

    /// The exact value of an integer literal that fits in a signed 64-bit integer.
    public var int64: Int64? { isInteger ? Int64(text) : nil }

    /// The value as a double (rounded for literals that a double cannot hold exactly).
    public var double: Double? { Double(text) }
}

/// A JSON object: ordered entries, keys unique by their UTF-8 bytes.
public struct JSONObject: Sendable, Equatable, Sequence {
    public private(set) var entries: [(key: String, value: JSONValue)] = []
    private var positions: [[UInt8]: Int] = [:]

    public init() {}

    /// An object from entries in order; a repeated key keeps its first position and its last value.
    public init(_ entries: [(String, JSONValue)]) {
        for (key, value) in entries { self[key] = value }
    }

    public var count: Int { entries.count }
    public var keys: [String] { entries.map(\.key) }

    /// The value for `key`; assigning replaces it in place or appends it, assigning nil removes it.
    public subscript(key: String) -> JSONValue? {
        get { positions[Array(key.utf8)].map { entries[$0].value } }
        set {
            let bytes = Array(key.utf8)
            if let newValue {
                if let position = positions[bytes] {
                    entries[position].value = newValue
                } else {
                    positions[bytes] = entries.count
                    entries.append((key, newValue))
                }
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// Inserts a new key; returns false (changing nothing) when the key is already present.
    mutating func insertNew(_ key: String, _ value: JSONValue) -> Bool {
        let bytes = Array(key.utf8)
        guard positions[bytes] == nil else { return false }
        positions[bytes] = entries.count
        entries.append((key, value))
        return true
    }

    public mutating func removeValue(forKey key: String) {
        guard let position = positions.removeValue(forKey: Array(key.utf8)) else { return }
        entries.remove(at: position)
        for (k, p) in positions where p > position { positions[k] = p - 1 }
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
        entries.makeIterator()
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.count == rhs.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.key.utf8.elementsEqual($1.key.utf8) && $0.value == $1.value }
    }
}
