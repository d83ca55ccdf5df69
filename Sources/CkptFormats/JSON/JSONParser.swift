/// A strict RFC 8259 parser for untrusted headers (safetensors, config.json, shard indexes).
///
/// Unlike Foundation's parsers it rejects duplicate keys (compared as UTF-8 bytes), keeps integers
/// exact as text, limits nesting depth instead of overflowing the stack, and rejects invalid UTF-8,
/// byte-order marks, lone surrogates and trailing bytes (FORMATS.md §3.2, §4 rows 38–40, §6).
public struct JSONParser: Sendable {
    /// Arrays and objects may nest this deep (serde_json's limit).
    public var maxDepth: Int

    public init(maxDepth: Int = 128) {
        self.maxDepth = maxDepth
    }

    /// Parses exactly one JSON value, optionally surrounded by whitespace.
    public func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> JSONValue {
        var state = State(bytes: bytes, maxDepth: maxDepth)
        state.skipWhitespace()
        let value = try state.parseValue(depth: 0)
        state.skipWhitespace()
        guard state.position == bytes.count else { throw state.error("unexpected data after the JSON value") }
        return value
    }

    /// Parses exactly one JSON value from a byte collection.
    public func parse(_ bytes: some Collection<UInt8>) throws(JSONError) -> JSONValue {
        let array = Array(bytes)
        return try array.withUnsafeBytes { raw in Result { () throws(JSONError) in try parse(raw) } }.get()
    }

    private struct State {
        let bytes: UnsafeRawBufferPointer
        let maxDepth: Int
        var position = 0

        init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        func error(_ message: String, at offset: Int? = nil) -> JSONError {
            JSONError(offset: offset ?? position, message: message)
        }

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
        }

        mutating func expect(_ literal: StaticString, _ value: JSONValue) throws(JSONError) -> JSONValue {
            let text = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
            guard bytes.count - position >= text.count,
                UnsafeRawBufferPointer(rebasing: bytes[position..<(position + text.count)]).elementsEqual(text)
            else { throw error("invalid literal") }
            position += text.count
            return value
        }

        mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
            guard let byte = current else { throw error("unexpected end of input") }
            switch byte {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): return try expect("true", .bool(true))
            case UInt8(ascii: "f"): return try expect("false", .bool(false))
            case UInt8(ascii: "n"): return try expect("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
            default: throw error("unexpected byte 0x\(String(byte, radix: 16)) where a value should start")
            }
        }

        mutating func parseObject(depth: Int) throws(JSONError) -> JSONValue {
            guard depth <= maxDepth else { throw error("nesting deeper than \(maxDepth)") }
            position += 1
            var object = JSONObject()
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                position += 1
                return .object(object)
            }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let keyOffset = position
                let key = try parseString()
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
                position += 1
                skipWhitespace()
                let value = try parseValue(depth: depth)
                guard object.insertNew(key, value) else {
                    throw error("duplicate key \(JSONValue.string(key).serialized())", at: keyOffset)
                }
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "}"):
                    position += 1
                    return .object(object)
                default: throw error("expected ',' or '}' in an object")
                }
            }
        }

        mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
            guard depth <= maxDepth else { throw error("nesting deeper than \(maxDepth)") }
            position += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                position += 1
                return .array(items)
            }
            while true {
                skipWhitespace()
                items.append(try parseValue(depth: depth))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "]"):
                    position += 1
                    return .array(items)
                default: throw error("expected ',' or ']' in an array")
                }
            }
        }

        mutating func parseNumber() throws(JSONError) -> JSONNumber {
            let start = position
            func digits(_ state: inout State) -> Int {
                let from = state.position
                while let b = state.current, b >= 0x30, b <= 0x39 { state.position += 1 }
                return state.position - from
            }
            if current == UInt8(ascii: "-") { position += 1 }
            if current == UInt8(ascii: "0") {
                position += 1
                if let b = current, b >= 0x30, b <= 0x39 { throw error("leading zero in a number", at: start) }
            } else if digits(&self) == 0 {
                throw error("invalid number", at: start)
            }
            if current == UInt8(ascii: ".") {
                position += 1
                guard digits(&self) > 0 else { throw error("digits expected after '.'", at: start) }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard digits(&self) > 0 else { throw error("digits expected in an exponent", at: start) }
            }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            return JSONNumber(text: text)
        }

        /// Parses a string at the opening quote; validates UTF-8 and escapes.
        mutating func parseString() throws(JSONError) -> String {
            position += 1
            let start = position
            // Fast path: no escapes.
            while let b = current, b != UInt8(ascii: "\""), b != UInt8(ascii: "\\") {
                guard b >= 0x20 else { throw error("control character 0x\(String(b, radix: 16)) in a string") }
                position += 1
            }
            guard let stop = current else { throw error("unterminated string", at: start - 1) }
            let plain = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
            if stop == UInt8(ascii: "\"") {
                position += 1
                guard let text = String(validating: plain, as: UTF8.self) else {
                    throw error("invalid UTF-8 in a string", at: start)
                }
                return text
            }
            var buffer = Array(plain)
            while true {
                guard let b = current else { throw error("unterminated string", at: start - 1) }
                if b == UInt8(ascii: "\"") {
                    position += 1
                    break
                }
                if b == UInt8(ascii: "\\") {
                    position += 1
                    guard let e = current else { throw error("unterminated escape") }
                    position += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(e)
                    case UInt8(ascii: "b"): buffer.append(0x08)
                    case UInt8(ascii: "f"): buffer.append(0x0C)
                    case UInt8(ascii: "n"): buffer.append(0x0A)
                    case UInt8(ascii: "r"): buffer.append(0x0D)
                    case UInt8(ascii: "t"): buffer.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800...0xDBFF).contains(scalar) {
                            guard current == UInt8(ascii: "\\"), position + 1 < bytes.count,
                                bytes[position + 1] == UInt8(ascii: "u")
                            else { throw error("lone surrogate \\u\(String(scalar, radix: 16)) in a string") }
                            position += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair in a string") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00...0xDFFF).contains(scalar) {
                            throw error("lone surrogate \\u\(String(scalar, radix: 16)) in a string")
                        }
                        buffer.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
                    default: throw error("invalid escape \\\(Character(Unicode.Scalar(e)))")
                    }
                    continue
                }
                guard b >= 0x20 else { throw error("control character 0x\(String(b, radix: 16)) in a string") }
                buffer.append(b)
                position += 1
            }
            guard let text = String(validating: buffer, as: UTF8.self) else {
                throw error("invalid UTF-8 in a string", at: start)
            }
            return text
        }

        mutating func hex4() throws(JSONError) -> UInt32 {
            guard bytes.count - position >= 4 else { throw error("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[position]
                let digit: UInt32
                switch b {
                case 0x30...0x39: digit = UInt32(b - 0x30)
                case 0x41...0x46: digit = UInt32(b - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(b - 0x61 + 10)
                default: throw error("invalid hex digit in a \\u escape")
                }
                value = value << 4 | digit
                position += 1
            }
            return value
        }
    }
}

/// A JSON syntax error: where, and what was wrong.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(message) at byte \(offset)" }
}
