/// A strict RFC 8259 JSON parser for untrusted input such as safetensors headers and `config.json`.
///
/// Foundation's JSON readers accept or quietly mangle what a checkpoint reader must reject
/// (docs/formats.md, "safetensors reader checks", "Strict JSON", "Hostile inputs" rows 37–40), so this parser:
/// - rejects duplicate object keys, comparing keys by their unescaped UTF-8 bytes;
/// - keeps numbers as literal text, so integers above 2^53 read back exactly (`JSONNumber.uint64`);
/// - limits nesting with an explicit stack instead of recursion, so 10^6 `[` are an error, not a
///   stack overflow;
/// - rejects invalid UTF-8, a byte order mark, lone surrogates, and anything but JSON whitespace
///   (space, tab, LF, CR) around the one value — NUL padding included.
///
/// It makes one pass over the bytes and builds each string from a slice of them; only strings that
/// contain escapes go through a scratch buffer.
public struct JSONParser: Sendable {
    /// Arrays and objects may nest this deep; one more is an error. The parser itself never recurses,
    /// but comparing, serializing and releasing a parsed value do, once per level, so raise with care.
    public var maxDepth: Int = 128
    /// Inputs longer than this many bytes are rejected before parsing; nil means no limit.
    public var maxBytes: Int? = nil
    /// Inputs holding more items than this are rejected as soon as the next one starts, so that the
    /// parsed tree's memory is bounded by the budget rather than by the input: every value (scalar,
    /// array or object, at any depth) counts one item and every object key `keyItems` more, about what
    /// each costs in memory (~36 bytes a value, ~160 a key with its entry and index slot) where the JSON
    /// can spend two bytes (`0,`) or nine (`"k1":0,`); nil means no limit.
    public var maxItems: Int? = nil
    /// What an object key counts against `maxItems`.
    public static let keyItems = 4

    public init(maxDepth: Int = 128, maxItems: Int? = nil) {
        self.maxDepth = maxDepth
        self.maxItems = maxItems
    }

    /// Parses exactly one JSON value, optionally surrounded by JSON whitespace.
    public func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> JSONValue {
        if let maxBytes, bytes.count > maxBytes {
            throw JSONError(
                offset: maxBytes, message: "input is \(bytes.count) bytes, more than the \(maxBytes)-byte limit")
        }
        var reader = Reader(bytes: bytes, maxDepth: maxDepth, maxItems: maxItems ?? Int.max)
        return try reader.parseDocument()
    }

    /// Parses exactly one JSON value from any byte collection (`[UInt8]`, `Data`, an array slice);
    /// non-contiguous collections are copied first.
    public func parse(_ bytes: some Collection<UInt8>) throws(JSONError) -> JSONValue {
        let parseBuffer = { (buffer: UnsafeBufferPointer<UInt8>) in
            Result { () throws(JSONError) in try parse(UnsafeRawBufferPointer(buffer)) }
        }
        let result =
            bytes.withContiguousStorageIfAvailable(parseBuffer) ?? Array(bytes).withUnsafeBufferPointer(parseBuffer)
        return try result.get()
    }
}

/// Why a JSON text was rejected and where.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset into the parsed input where the problem was found.
    public var offset: Int
    /// The problem in plain words, e.g. `duplicate key "a"`.
    public var message: String
    /// Whether the input was refused for holding more items than `JSONParser.maxItems`, not for its syntax.
    public var exceedsBudget: Bool

    public init(offset: Int, message: String, exceedsBudget: Bool = false) {
        self.offset = offset
        self.message = message
        self.exceedsBudget = exceedsBudget
    }

    /// For example `duplicate key "a" at byte 17`.
    public var description: String { "\(message) at byte \(offset)" }
}

/// The state of one parse: the input, the read position, and a buffer reused for escaped strings.
private struct Reader {
    /// An array or object whose elements are still being read.
    private struct Frame {
        var isObject: Bool
        var array: [JSONValue] = []
        var object = JSONObject()
        /// The key whose value is being read, for objects, and where it starts.
        var key = ""
        var keyOffset = 0
    }

    let bytes: UnsafeRawBufferPointer
    let maxDepth: Int
    /// The most items allowed (`JSONParser.maxItems`), and how many are left.
    let maxItems: Int
    var itemsLeft: Int
    var position = 0
    var scratch: [UInt8] = []

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int, maxItems: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.maxItems = maxItems
        self.itemsLeft = maxItems
    }

    /// Counts `items` against the budget, refusing the input once it is spent.
    private mutating func spend(_ items: Int) throws(JSONError) {
        guard itemsLeft >= items else {
            throw JSONError(offset: position, message: "holds more than \(maxItems) items", exceedsBudget: true)
        }
        itemsLeft -= items
    }

    /// Reads the single top-level value. Containers are kept on an explicit stack: each completed
    /// value is attached to the innermost open container, which may complete it in turn.
    mutating func parseDocument() throws(JSONError) -> JSONValue {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            throw JSONError(offset: 0, message: "a UTF-8 byte order mark is not allowed")
        }
        var stack: [Frame] = []
        skipWhitespace()
        nextValue: while true {
            var value: JSONValue
            guard position < bytes.count else { throw expected("a value") }
            try spend(1)
            switch bytes[position] {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                let isObject = bytes[position] == UInt8(ascii: "{")
                guard stack.count < maxDepth else {
                    throw JSONError(offset: position, message: "nesting deeper than \(maxDepth)")
                }
                position += 1
                skipWhitespace()
                if isObject {
                    if peek(UInt8(ascii: "}")) {
                        position += 1
                        value = .object(JSONObject())
                    } else {
                        var frame = Frame(isObject: true)
                        (frame.key, frame.keyOffset) = try parseKey(afterComma: false)
                        stack.append(frame)
                        continue nextValue
                    }
                } else {
                    if peek(UInt8(ascii: "]")) {
                        position += 1
                        value = .array([])
                    } else {
                        stack.append(Frame(isObject: false))
                        continue nextValue
                    }
                }
            case UInt8(ascii: "\""):
                value = .string(try parseString())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try parseNumber())
            case UInt8(ascii: "t"):
                try parseLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try parseLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try parseLiteral("null")
                value = .null
            default:
                throw expected("a value")
            }

            while true {
                skipWhitespace()
                guard !stack.isEmpty else {
                    guard position == bytes.count else {
                        throw JSONError(offset: position, message: "unexpected \(found()) after the JSON value")
                    }
                    return value
                }
                let top = stack.count - 1
                if stack[top].isObject {
                    let key = stack[top].key
                    guard stack[top].object.appendIfAbsent(key: key, value: value) else {
                        let shown = key.count > 80 ? String(key.prefix(80)) + "…" : key
                        throw JSONError(
                            offset: stack[top].keyOffset,
                            message: "duplicate key \(JSONValue.string(shown).serialized())")
                    }
                    if peek(UInt8(ascii: ",")) {
                        position += 1
                        skipWhitespace()
                        (stack[top].key, stack[top].keyOffset) = try parseKey(afterComma: true)
                        continue nextValue
                    }
                    guard peek(UInt8(ascii: "}")) else { throw expected("',' or '}'") }
                    position += 1
                    value = .object(stack.removeLast().object)
                } else {
                    stack[top].array.append(value)
                    if peek(UInt8(ascii: ",")) {
                        position += 1
                        skipWhitespace()
                        if peek(UInt8(ascii: "]")) {
                            throw JSONError(offset: position, message: "trailing comma before ']'")
                        }
                        continue nextValue
                    }
                    guard peek(UInt8(ascii: "]")) else { throw expected("',' or ']'") }
                    position += 1
                    value = .array(stack.removeLast().array)
                }
            }
        }
    }

    /// Reads `"key" :` and the whitespace after it; returns the key and its offset. Duplicates are
    /// caught when the entry is added, with one lookup.
    private mutating func parseKey(afterComma: Bool) throws(JSONError) -> (String, Int) {
        guard peek(UInt8(ascii: "\"")) else {
            if afterComma, peek(UInt8(ascii: "}")) {
                throw JSONError(offset: position, message: "trailing comma before '}'")
            }
            throw expected("a string key")
        }
        let start = position
        try spend(JSONParser.keyItems)
        let key = try parseString()
        skipWhitespace()
        guard peek(UInt8(ascii: ":")) else { throw expected("':' after the key") }
        position += 1
        skipWhitespace()
        return (key, start)
    }

    /// Reads a string starting at its opening quote. Strings without escapes are decoded straight
    /// from the input; the first backslash switches to `parseEscapedString`.
    private mutating func parseString() throws(JSONError) -> String {
        let open = position
        var index = position + 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                return makeString(open + 1..<index)
            } else if byte == UInt8(ascii: "\\") {
                scratch.removeAll(keepingCapacity: true)
                scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[open + 1..<index]))
                return try parseEscapedString(open: open, from: index)
            } else {
                index = try afterPlainCharacter(at: index)
            }
        }
        throw JSONError(offset: open, message: "unterminated string")
    }

    /// Continues a string in `scratch` from a backslash at `from`, copying plain runs in bulk.
    private mutating func parseEscapedString(open: Int, from: Int) throws(JSONError) -> String {
        var index = from
        var runStart = from
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<index]))
                if byte == UInt8(ascii: "\"") {
                    position = index + 1
                    return String(decoding: scratch, as: UTF8.self)
                }
                index = try parseEscape(at: index)
                runStart = index
            } else {
                index = try afterPlainCharacter(at: index)
            }
        }
        throw JSONError(offset: open, message: "unterminated string")
    }

    /// The index after the unescaped character starting at `index`; control characters are errors.
    private func afterPlainCharacter(at index: Int) throws(JSONError) -> Int {
        let byte = bytes[index]
        if byte < 0x20 { throw controlCharacter(at: index) }
        return byte < 0x80 ? index + 1 : try endOfUTF8Sequence(at: index)
    }

    /// Appends the character of the escape at `index` (a backslash) to `scratch`; returns the index
    /// after the escape.
    private mutating func parseEscape(at index: Int) throws(JSONError) -> Int {
        guard index + 1 < bytes.count else { throw JSONError(offset: index, message: "unterminated string") }
        let simple: UInt8
        switch bytes[index + 1] {
        case UInt8(ascii: "\""): simple = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): simple = UInt8(ascii: "\\")
        case UInt8(ascii: "/"): simple = UInt8(ascii: "/")
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            let unit = try hexEscape(at: index)
            switch unit {
            case 0xD800...0xDBFF:
                guard index + 7 < bytes.count, bytes[index + 6] == UInt8(ascii: "\\"),
                    bytes[index + 7] == UInt8(ascii: "u"),
                    case let low = try hexEscape(at: index + 6), (0xDC00...0xDFFF).contains(low)
                else {
                    throw JSONError(offset: index, message: "unpaired surrogate \\u\(hex(unit, digits: 4)) in string")
                }
                appendUTF8(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                return index + 12
            case 0xDC00...0xDFFF:
                throw JSONError(offset: index, message: "unpaired low surrogate \\u\(hex(unit, digits: 4)) in string")
            default:
                appendUTF8(unit)
                return index + 6
            }
        default:
            throw JSONError(offset: index, message: "invalid escape: backslash followed by \(found(at: index + 1))")
        }
        scratch.append(simple)
        return index + 2
    }

    /// The code unit of the `\uXXXX` escape whose backslash is at `index`.
    private func hexEscape(at index: Int) throws(JSONError) -> UInt32 {
        var unit: UInt32 = 0
        for digit in index + 2..<index + 6 {
            guard digit < bytes.count, let value = hexValue(bytes[digit]) else {
                throw JSONError(
                    offset: index, message: "invalid \\u escape: expected 4 hex digits, found \(found(at: digit))")
            }
            unit = unit << 4 | value
        }
        return unit
    }

    private func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// Appends a Unicode scalar (never a surrogate) to `scratch` as UTF-8.
    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case ..<0x80:
            scratch.append(UInt8(scalar))
        case ..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Checks the multi-byte UTF-8 sequence whose lead byte is at `index` (Unicode Table 3-7: no
    /// overlong forms, no encoded surrogates, nothing above U+10FFFF); returns the index after it.
    private func endOfUTF8Sequence(at index: Int) throws(JSONError) -> Int {
        let lead = bytes[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        var secondProblem = ""
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: (length, secondRange, secondProblem) = (3, 0xA0...0xBF, "overlong encoding")
        case 0xED: (length, secondRange, secondProblem) = (3, 0x80...0x9F, "encoded surrogate")
        case 0xE1...0xEF: length = 3
        case 0xF0: (length, secondRange, secondProblem) = (4, 0x90...0xBF, "overlong encoding")
        case 0xF4: (length, secondRange, secondProblem) = (4, 0x80...0x8F, "code point above U+10FFFF")
        case 0xF1...0xF3: length = 4
        case 0x80...0xBF:
            throw JSONError(
                offset: index, message: "invalid UTF-8: unexpected continuation byte 0x\(hex(lead, digits: 2))")
        case 0xC0, 0xC1:
            throw JSONError(offset: index, message: "invalid UTF-8: overlong encoding (byte 0x\(hex(lead, digits: 2)))")
        default:
            throw JSONError(
                offset: index, message: "invalid UTF-8: byte 0x\(hex(lead, digits: 2)) never occurs in UTF-8")
        }
        for next in index + 1..<index + length {
            guard next < bytes.count, (0x80...0xBF).contains(bytes[next]) else {
                throw JSONError(offset: index, message: "invalid UTF-8: truncated sequence")
            }
            if next == index + 1, !secondRange.contains(bytes[next]) {
                throw JSONError(offset: index, message: "invalid UTF-8: \(secondProblem)")
            }
        }
        return index + length
    }

    /// Reads a number by the RFC 8259 grammar `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func parseNumber() throws(JSONError) -> JSONNumber {
        let start = position
        if bytes[position] == UInt8(ascii: "-") {
            position += 1
            guard isDigit(at: position) else { throw expected("a digit after '-'") }
        }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if isDigit(at: position) {
                throw JSONError(offset: start, message: "leading zeros are not allowed in numbers")
            }
        } else {
            skipDigits()
        }
        if peek(UInt8(ascii: ".")) {
            position += 1
            guard isDigit(at: position) else { throw expected("a digit after the decimal point") }
            skipDigits()
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            position += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { position += 1 }
            guard isDigit(at: position) else { throw expected("a digit in the exponent") }
            skipDigits()
        }
        return JSONNumber(validatedText: makeString(start..<position))
    }

    private func isDigit(at index: Int) -> Bool {
        index < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index])
    }

    private mutating func skipDigits() {
        while isDigit(at: position) { position += 1 }
    }

    /// Reads `true`, `false` or `null`.
    private mutating func parseLiteral(_ literal: StaticString) throws(JSONError) {
        let length = literal.utf8CodeUnitCount
        let matches =
            position + length <= bytes.count
            && (0..<length).allSatisfy { bytes[position + $0] == literal.utf8Start[$0] }
        guard matches else { throw JSONError(offset: position, message: "invalid literal, expected '\(literal)'") }
        position += length
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private func peek(_ byte: UInt8) -> Bool {
        position < bytes.count && bytes[position] == byte
    }

    /// Decodes input bytes already checked to be valid UTF-8.
    private func makeString(_ range: Range<Int>) -> String {
        let source = UnsafeRawBufferPointer(rebasing: bytes[range])
        return String(unsafeUninitializedCapacity: source.count) { buffer in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
            return source.count
        }
    }

    private func expected(_ what: String) -> JSONError {
        JSONError(offset: position, message: "expected \(what), found \(found())")
    }

    private func controlCharacter(at index: Int) -> JSONError {
        JSONError(offset: index, message: "unescaped control character 0x\(hex(bytes[index], digits: 2)) in string")
    }

    /// The byte at `index` in words: `'x'` when printable ASCII, otherwise its hex value.
    private func found(at index: Int? = nil) -> String {
        let index = index ?? position
        guard index < bytes.count else { return "the end of the input" }
        let byte = bytes[index]
        return (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(hex(byte, digits: 2))"
    }

    private func hex(_ value: some BinaryInteger, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
