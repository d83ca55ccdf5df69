import CkptFormats
import CkptJSON

/// A hyperparameter or metadata value as `ckpt inspect` shows it: JSON as read, a short GGUF array
/// written out, or a long one by its first elements.
public indirect enum SummaryValue: Sendable, Encodable {
    /// A GGUF scalar, or a config.json / safetensors metadata value as read.
    case json(JSONValue)
    /// A GGUF array of at most `CheckpointSummary.arrayPreviewLength` elements.
    case array([SummaryValue])
    /// A longer GGUF array.
    case preview(ArrayPreview)

    /// A GGUF value; arrays longer than `CheckpointSummary.arrayPreviewLength` become previews.
    /// A float that JSON cannot express (NaN, an infinity) is its text as a string.
    public init(_ value: GGUFValue) {
        switch value {
        case .array(let array):
            let shown = min(array.count, CheckpointSummary.arrayPreviewLength)
            let head = (0..<shown).map { SummaryValue(array.element(at: $0)) }
            self =
                array.count > shown
                ? .preview(ArrayPreview(elementType: array.elementType.description, count: array.count, head: head))
                : .array(head)
        case .string(let s): self = .json(.string(s))
        case .bool(let b): self = .json(.bool(b))
        case .float32(let f): self = .json(JSONNumber(exactly: f).map(JSONValue.number) ?? .string("\(f)"))
        case .float64(let d): self = .json(JSONNumber(exactly: d).map(JSONValue.number) ?? .string("\(d)"))
        case .uint64(let v): self = .json(.number(JSONNumber(v)))
        default: self = .json(.number(JSONNumber(value.integer!)))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .json(let value): try container.encode(value)
        case .array(let elements): try container.encode(elements)
        case .preview(let preview): try container.encode(preview)
        }
    }
}

/// A long array by its count and first elements:
/// `{"type": "array", "element_type": T, "count": N, "head": [first elements]}`.
public struct ArrayPreview: Sendable, Encodable {
    /// Always `array`: what tells this object from a value in the JSON.
    public let type = "array"
    public var elementType: String
    public var count: Int
    public var head: [SummaryValue]

    enum CodingKeys: String, CodingKey {
        case type
        case elementType = "element_type"
        case count, head
    }
}

/// Named values in order, written as one JSON object.
public struct SummaryEntries: Sendable, Encodable, Sequence {
    public private(set) var entries: [(key: String, value: SummaryValue)] = []

    public init() {}

    public mutating func append(_ key: String, _ value: SummaryValue) { entries.append((key, value)) }

    public var count: Int { entries.count }

    public func makeIterator() -> IndexingIterator<[(key: String, value: SummaryValue)]> { entries.makeIterator() }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: JSONKey.self)
        for (key, value) in entries { try container.encode(value, forKey: JSONKey(stringValue: key)) }
    }
}
