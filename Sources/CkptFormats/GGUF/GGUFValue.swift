/// The value types of GGUF metadata (docs/formats.md, "GGUF layout"), stored as a 32-bit id before each value.
public enum GGUFValueType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case uint8 = 0
    case int8, uint16, int16, uint32, int32, float32, bool, string, array, uint64, int64, float64

    /// Size of one value for fixed-size types; nil for strings and arrays.
    public var fixedSize: Int? {
        switch self {
        case .uint8, .int8, .bool: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64: 8
        case .string, .array: nil
        }
    }

    public var description: String {
        switch self {
        case .uint8: "u8"
        case .int8: "i8"
        case .uint16: "u16"
        case .int16: "i16"
        case .uint32: "u32"
        case .int32: "i32"
        case .float32: "f32"
        case .bool: "bool"
        case .string: "string"
        case .array: "array"
        case .uint64: "u64"
        case .int64: "i64"
        case .float64: "f64"
        }
    }
}

/// One GGUF metadata value.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case float32(Float)
    case bool(Bool)
    case string(String)
    case uint64(UInt64)
    case int64(Int64)
    case float64(Double)
    case array(GGUFArray)

    public var type: GGUFValueType {
        switch self {
        case .uint8: .uint8
        case .int8: .int8
        case .uint16: .uint16
        case .int16: .int16
        case .uint32: .uint32
        case .int32: .int32
        case .float32: .float32
        case .bool: .bool
        case .string: .string
        case .uint64: .uint64
        case .int64: .int64
        case .float64: .float64
        case .array: .array
        }
    }

    /// The value as an `Int` if it is an integer of any width that fits.
    public var integer: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .int64(let v): Int(v)
        default: nil
        }
    }

    /// The value as a `Double` if it is any number.
    public var number: Double? {
        switch self {
        case .float32(let v): Double(v)
        case .float64(let v): v
        default: integer.map(Double.init)
        }
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var array: GGUFArray? {
        if case .array(let a) = self { return a }
        return nil
    }
}

/// A GGUF array value, kept as the raw little-endian payload it had in the file.
///
/// Vocabulary arrays hold hundreds of thousands of strings; decoding them lazily keeps opening a file
/// cheap and bounds memory by the file's own size (docs/formats.md, "Hostile inputs", row 8).
public struct GGUFArray: Sendable, Equatable {
    public let elementType: GGUFValueType
    public let count: Int
    /// The elements exactly as stored: packed fixed-size values, or (u64 length, bytes) strings.
    public let payload: [UInt8]
    /// Byte offset of each string element in `payload` (strings only).
    private let stringOffsets: [Int]

    init(elementType: GGUFValueType, count: Int, payload: [UInt8], stringOffsets: [Int]) {
        self.elementType = elementType
        self.count = count
        self.payload = payload
        self.stringOffsets = stringOffsets
    }

    /// An array of strings.
    public init(strings: [String]) {
        var payload: [UInt8] = []
        var offsets: [Int] = []
        offsets.reserveCapacity(strings.count)
        for string in strings {
            offsets.append(payload.count)
            appendLittleEndian(UInt64(string.utf8.count), to: &payload)
            payload.append(contentsOf: string.utf8)
        }
        self.init(elementType: .string, count: strings.count, payload: payload, stringOffsets: offsets)
    }

    /// An array of fixed-size values, all of `elementType`.
    public init(values: [GGUFValue], elementType: GGUFValueType) {
        precondition(elementType.fixedSize != nil, "use init(strings:) for strings; nested arrays are not GGUF")
        var payload: [UInt8] = []
        for value in values {
            precondition(value.type == elementType, "array element \(value.type) is not \(elementType)")
            value.appendScalar(to: &payload)
        }
        self.init(elementType: elementType, count: values.count, payload: payload, stringOffsets: [])
    }

    /// Element `index`, decoded.
    public func element(at index: Int) -> GGUFValue {
        precondition(index >= 0 && index < count)
        return payload.withUnsafeBytes { raw in
            if elementType == .string {
                let start = stringOffsets[index]
                let length = Int(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt64.self)))
                let bytes = UnsafeRawBufferPointer(rebasing: raw[(start + 8)..<(start + 8 + length)])
                return .string(String(decoding: bytes, as: UTF8.self))
            }
            return GGUFValue.decodeScalar(elementType, raw, at: index * elementType.fixedSize!)
        }
    }

    /// All elements as strings (invalid UTF-8 is repaired with U+FFFD), or nil if not a string array.
    public func strings() -> [String]? {
        guard elementType == .string else { return nil }
        return (0..<count).map { element(at: $0).string! }
    }

    /// All elements as `Int`, or nil if the elements are not integers.
    public func integers() -> [Int]? {
        guard elementType.fixedSize != nil, elementType != .float32, elementType != .float64,
            elementType != .bool
        else { return nil }
        var result: [Int] = []
        result.reserveCapacity(count)
        for i in 0..<count {
            guard let v = element(at: i).integer else { return nil }
            result.append(v)
        }
        return result
    }

    /// All elements as `Double`, or nil if the elements are not numbers.
    public func numbers() -> [Double]? {
        guard elementType.fixedSize != nil, elementType != .bool else { return nil }
        return (0..<count).map { element(at: $0).number! }
    }
}

extension GGUFValue {
    /// Decodes a fixed-size value of `type` at `offset` (the caller has checked the bounds).
    static func decodeScalar(_ type: GGUFValueType, _ raw: UnsafeRawBufferPointer, at offset: Int) -> GGUFValue {
        func load<T: FixedWidthInteger>(_: T.Type) -> T {
            T(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: T.self))
        }
        switch type {
        case .uint8: return .uint8(load(UInt8.self))
        case .int8: return .int8(load(Int8.self))
        case .uint16: return .uint16(load(UInt16.self))
        case .int16: return .int16(load(Int16.self))
        case .uint32: return .uint32(load(UInt32.self))
        case .int32: return .int32(load(Int32.self))
        case .float32: return .float32(Float(bitPattern: load(UInt32.self)))
        case .bool: return .bool(load(UInt8.self) != 0)
        case .uint64: return .uint64(load(UInt64.self))
        case .int64: return .int64(load(Int64.self))
        case .float64: return .float64(Double(bitPattern: load(UInt64.self)))
        case .string, .array: preconditionFailure("not a fixed-size type")
        }
    }

    /// Appends a fixed-size or string value's encoding (without its type id).
    func appendScalar(to out: inout [UInt8]) {
        switch self {
        case .uint8(let v): out.append(v)
        case .int8(let v): out.append(UInt8(bitPattern: v))
        case .uint16(let v): appendLittleEndian(v, to: &out)
        case .int16(let v): appendLittleEndian(v, to: &out)
        case .uint32(let v): appendLittleEndian(v, to: &out)
        case .int32(let v): appendLittleEndian(v, to: &out)
        case .float32(let v): appendLittleEndian(v.bitPattern, to: &out)
        case .bool(let v): out.append(v ? 1 : 0)
        case .uint64(let v): appendLittleEndian(v, to: &out)
        case .int64(let v): appendLittleEndian(v, to: &out)
        case .float64(let v): appendLittleEndian(v.bitPattern, to: &out)
        case .string(let s):
            appendLittleEndian(UInt64(s.utf8.count), to: &out)
            out.append(contentsOf: s.utf8)
        case .array(let a):
            appendLittleEndian(a.elementType.rawValue, to: &out)
            appendLittleEndian(UInt64(a.count), to: &out)
            out.append(contentsOf: a.payload)
        }
    }
}

/// Appends `value` in little-endian byte order.
func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
}
