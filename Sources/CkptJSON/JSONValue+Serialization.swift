/// How `JSONValue.serialized(options:)` lays out its output.
public struct JSONWriteOptions: OptionSet, Sendable {
    public let rawValue: Int

    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Two-space indentation, one element or entry per line and `"key": value`, as Python's
    /// `json.dumps(indent=2)` writes (transformers' `model.safetensors.index.json`).
    public static let prettyPrinted = JSONWriteOptions(rawValue: 1 << 0)
    /// Object keys in ascending order of their UTF-8 bytes (code-point order, as Python's
    /// `sort_keys=True`); otherwise entries keep their order.
    public static let sortedKeys = JSONWriteOptions(rawValue: 1 << 1)
}

extension JSONValue {
    /// The value as JSON text. The default is compact, with no spaces at all, as the safetensors
    /// reference writer emits headers: `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`.
    ///
    /// Numbers are written from their literal text; strings escape only `"`, `\` and control
    /// characters (`\n` `\t` `\r` `\b` `\f`, others `\u00XX`), with non-ASCII kept as raw UTF-8.
    /// Parsing the result gives back an equal value.
    public func serialized(options: JSONWriteOptions = []) -> String {
        String(decoding: serializedBytes(options: options), as: UTF8.self)
    }

    /// The value as UTF-8 JSON bytes, laid out as `serialized(options:)` describes.
    public func serializedBytes(options: JSONWriteOptions = []) -> [UInt8] {
        var output: [UInt8] = []
        Self.write(self, options: options, level: 0, to: &output)
        return output
    }

    private static func write(_ value: JSONValue, options: JSONWriteOptions, level: Int, to output: inout [UInt8]) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number): output.append(contentsOf: number.text.utf8)
        case .string(let string): writeString(string, to: &output)
        case .array(let elements):
            writeContainer(elements, open: "[", close: "]", options: options, level: level, to: &output) {
                write($0, options: options, level: level + 1, to: &$1)
            }
        case .object(let object):
            var entries = object.entries
            if options.contains(.sortedKeys) {
                entries.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            }
            writeContainer(entries, open: "{", close: "}", options: options, level: level, to: &output) {
                writeString($0.key, to: &$1)
                $1.append(contentsOf: options.contains(.prettyPrinted) ? ": ".utf8 : ":".utf8)
                write($0.value, options: options, level: level + 1, to: &$1)
            }
        }
    }

    /// Writes `open`, the elements separated by commas (each on its own indented line when pretty),
    /// and `close`; an empty container is `[]` or `{}` either way.
    private static func writeContainer<Element>(
        _ elements: [Element], open: Unicode.Scalar, close: Unicode.Scalar, options: JSONWriteOptions, level: Int,
        to output: inout [UInt8], writeElement: (Element, inout [UInt8]) -> Void
    ) {
        output.append(UInt8(ascii: open))
        let pretty = options.contains(.prettyPrinted) && !elements.isEmpty
        for (index, element) in elements.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            if pretty { newline(indent: level + 1, to: &output) }
            writeElement(element, &output)
        }
        if pretty { newline(indent: level, to: &output) }
        output.append(UInt8(ascii: close))
    }

    private static func newline(indent level: Int, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * level))
    }

    /// Writes a quoted string, copying runs that need no escape in bulk; escapes `"` (0x22), `\`
    /// (0x5C) and control characters.
    private static func writeString(_ string: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                output.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(byte)
                case 0x08: output.append(UInt8(ascii: "b"))
                case 0x0C: output.append(UInt8(ascii: "f"))
                case 0x0A: output.append(UInt8(ascii: "n"))
                case 0x0D: output.append(UInt8(ascii: "r"))
                case 0x09: output.append(UInt8(ascii: "t"))
                default:
                    let hexDigits = Array("0123456789abcdef".utf8)
                    output.append(contentsOf: "u00".utf8)
                    output.append(hexDigits[Int(byte >> 4)])
                    output.append(hexDigits[Int(byte & 0xF)])
                }
                runStart = index + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        output.append(UInt8(ascii: "\""))
    }
}
