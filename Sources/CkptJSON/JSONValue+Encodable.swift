extension JSONValue: Encodable {
    /// The value as it is: objects keep their order, arrays their elements, numbers their literal
    /// text under `JSONValueEncoder` (see `JSONNumber.encode(to:)` for other encoders).
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let flag):
            var container = encoder.singleValueContainer()
            try container.encode(flag)
        case .number(let number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .string(let string):
            var container = encoder.singleValueContainer()
            try container.encode(string)
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(element) }
        case .object(let object):
            var container = encoder.container(keyedBy: JSONKey.self)
            for (key, value) in object { try container.encode(value, forKey: JSONKey(stringValue: key)) }
        }
    }
}

extension JSONNumber: Encodable {
    /// `JSONValueEncoder` writes the literal text unchanged. Other encoders get the exact `UInt64` or
    /// `Int64` of an integer literal, else the nearest `Double`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value = uint64 {
            try container.encode(value)
        } else if let value = int64 {
            try container.encode(value)
        } else if let value = double {
            try container.encode(value)
        } else {
            throw EncodingError.invalidValue(
                self, EncodingError.Context(codingPath: encoder.codingPath, debugDescription: "\(text) is beyond Double's range"))
        }
    }
}

/// A coding key spelled at run time: an object's own key, an array position, or `super`.
public struct JSONKey: CodingKey {
    public let stringValue: String
    public let intValue: Int?

    public init(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }

    public init(intValue: Int) {
        stringValue = "Index \(intValue)"
        self.intValue = intValue
    }

    /// The key `superEncoder()` writes under, as Foundation's encoders name it.
    static let inherited = JSONKey(stringValue: "super")
}
