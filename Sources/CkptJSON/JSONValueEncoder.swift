/// Encodes any `Encodable` value into a `JSONValue`, so that `serialized(options:)` writes it with the
/// project's own rules (JSONValue+Serialization.swift) rather than Foundation's.
///
/// - Object entries follow the order the value encodes them, which for synthesized conformances is the
///   order of its `CodingKeys`.
/// - Integers of every width are exact (`UInt64.max` is `18446744073709551615`); a `Double` or `Float`
///   is its shortest text that reads back to the same value (`0.1`, `2458.0`, `1e-09`), and NaN or an
///   infinity, which JSON cannot express, is `null`.
/// - A nil optional is `null`: `encodeIfPresent` writes the key rather than leaving it out, so an object
///   always has every key its type declares.
/// - A `JSONValue` or `JSONNumber` inside the value is kept as it is: numbers keep their literal text
///   and objects their order (JSONValue+Encodable.swift).
/// - A value that encodes nothing at all is an empty object, `{}`.
public struct JSONValueEncoder {
    public init() {}

    /// The value as JSON.
    public func encode(_ value: some Encodable) throws -> JSONValue {
        let slot = Slot()
        try slot.encode(value, codingPath: [])
        return slot.value
    }
}

/// Where one encoded value goes; filled by a single value or by the one container asked of it.
private final class Slot {
    enum Content {
        case value(JSONValue)
        case object(ObjectNode)
        case array(ArrayNode)
    }

    var content: Content?

    /// The finished value: nodes turned into objects and arrays, depth first.
    var value: JSONValue {
        switch content {
        case .value(let value): value
        case .object(let node): .object(JSONObject(node.entries.map { ($0.key, $0.slot.value) }))
        case .array(let node): .array(node.slots.map(\.value))
        case nil: .object(JSONObject())
        }
    }

    /// The object this slot holds, created on first use; a keyed container may be asked for twice.
    func objectNode() -> ObjectNode {
        switch content {
        case .object(let node): return node
        case nil:
            let node = ObjectNode()
            content = .object(node)
            return node
        default: preconditionFailure("a keyed container asked of a value that already encoded something else")
        }
    }

    /// The array this slot holds, created on first use.
    func arrayNode() -> ArrayNode {
        switch content {
        case .array(let node): return node
        case nil:
            let node = ArrayNode()
            content = .array(node)
            return node
        default: preconditionFailure("an unkeyed container asked of a value that already encoded something else")
        }
    }

    /// A `JSONNumber` keeps its literal text; anything else encodes itself into this slot.
    func encode(_ value: some Encodable, codingPath: [any CodingKey]) throws {
        if let number = value as? JSONNumber {
            content = .value(.number(number))
        } else {
            try value.encode(to: SlotEncoder(slot: self, codingPath: codingPath))
        }
    }
}

/// Entries in encoding order; a repeated key keeps its first position and its last value, as
/// `JSONObject`'s subscript does.
private final class ObjectNode {
    var entries: [(key: String, slot: Slot)] = []

    func add(_ key: String) -> Slot {
        let slot = Slot()
        entries.append((key, slot))
        return slot
    }
}

private final class ArrayNode {
    var slots: [Slot] = []

    func add() -> Slot {
        let slot = Slot()
        slots.append(slot)
        return slot
    }
}

private func number(_ value: Double) -> JSONValue { JSONNumber(exactly: value).map(JSONValue.number) ?? .null }
private func number(_ value: Float) -> JSONValue { JSONNumber(exactly: value).map(JSONValue.number) ?? .null }
private func number(_ value: some BinaryInteger) -> JSONValue { .number(JSONNumber(value)) }

private struct SlotEncoder: Encoder {
    let slot: Slot
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedContainer<Key>(node: slot.objectNode(), codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedContainer(node: slot.arrayNode(), codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueContainer(slot: slot, codingPath: codingPath)
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: ObjectNode
    let codingPath: [any CodingKey]

    private func put(_ value: JSONValue, _ key: Key) { node.add(key.stringValue).content = .value(value) }

    mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(number(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(number(value), key) }

    mutating func encode(_ value: some Encodable, forKey key: Key) throws {
        try node.add(key.stringValue).encode(value, codingPath: codingPath + [key])
    }

    // A nil optional is written as null, not left out (the protocol's defaults leave it out).
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encode(value, forKey: key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encode(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encode(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encode(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encode(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encode(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encode(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encode(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encode(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try encode(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encode(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encode(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encode(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encode(value, forKey: key) }
    mutating func encodeIfPresent(_ value: (some Encodable)?, forKey key: Key) throws { try encode(value, forKey: key) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<
        NestedKey
    > {
        KeyedEncodingContainer(KeyedContainer<NestedKey>(node: node.add(key.stringValue).objectNode(), codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        UnkeyedContainer(node: node.add(key.stringValue).arrayNode(), codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        SlotEncoder(slot: node.add(JSONKey.inherited.stringValue), codingPath: codingPath + [JSONKey.inherited])
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        SlotEncoder(slot: node.add(key.stringValue), codingPath: codingPath + [key])
    }
}

/// The primitive `encode` overloads an unkeyed and a single-value container share: each puts one value.
private protocol PrimitivePutting {
    func put(_ value: JSONValue)
}

extension PrimitivePutting {
    func encodeNil() throws { put(.null) }
    func encode(_ value: Bool) throws { put(.bool(value)) }
    func encode(_ value: String) throws { put(.string(value)) }
    func encode(_ value: Double) throws { put(number(value)) }
    func encode(_ value: Float) throws { put(number(value)) }
    func encode(_ value: Int) throws { put(number(value)) }
    func encode(_ value: Int8) throws { put(number(value)) }
    func encode(_ value: Int16) throws { put(number(value)) }
    func encode(_ value: Int32) throws { put(number(value)) }
    func encode(_ value: Int64) throws { put(number(value)) }
    func encode(_ value: UInt) throws { put(number(value)) }
    func encode(_ value: UInt8) throws { put(number(value)) }
    func encode(_ value: UInt16) throws { put(number(value)) }
    func encode(_ value: UInt32) throws { put(number(value)) }
    func encode(_ value: UInt64) throws { put(number(value)) }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer, PrimitivePutting {
    let node: ArrayNode
    let codingPath: [any CodingKey]
    var count: Int { node.slots.count }

    func put(_ value: JSONValue) { node.add().content = .value(value) }
    private var nextPath: [any CodingKey] { codingPath + [JSONKey(intValue: count)] }

    mutating func encode(_ value: some Encodable) throws {
        let path = nextPath
        try node.add().encode(value, codingPath: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = nextPath
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: node.add().objectNode(), codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath
        return UnkeyedContainer(node: node.add().arrayNode(), codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let path = nextPath
        return SlotEncoder(slot: node.add(), codingPath: path)
    }
}

private struct SingleValueContainer: SingleValueEncodingContainer, PrimitivePutting {
    let slot: Slot
    let codingPath: [any CodingKey]

    func put(_ value: JSONValue) { slot.content = .value(value) }

    mutating func encode(_ value: some Encodable) throws { try slot.encode(value, codingPath: codingPath) }
}
