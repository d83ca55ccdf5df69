import CkptFormats
import CkptJSON
import Foundation
import Testing

/// One input the parser must reject, with a fragment of the expected message and the byte offset.
struct JSONRejection: Sendable, CustomTestStringConvertible {
    let input: [UInt8]
    let fragment: String
    let offset: Int

    init(_ text: String, _ fragment: String, at offset: Int) {
        self.init(bytes: Array(text.utf8), fragment, at: offset)
    }

    init(bytes: [UInt8], _ fragment: String, at offset: Int) {
        self.input = bytes
        self.fragment = fragment
        self.offset = offset
    }

    var testDescription: String {
        String(decoding: input.prefix(40), as: UTF8.self).debugDescription + " → " + fragment
    }
}

/// A number literal and what each exact accessor must return for it.
struct JSONNumberCase: Sendable, CustomTestStringConvertible {
    let text: String
    let uint64: UInt64?
    let int64: Int64?
    let double: Double?

    var testDescription: String { text }
}

private func parse(_ text: String, maxDepth: Int = 128) throws(JSONError) -> JSONValue {
    try JSONParser(maxDepth: maxDepth).parse(Array(text.utf8))
}

/// Asserts that `input` is rejected with a message containing `fragment` at byte `offset`.
private func expectRejected(
    _ input: [UInt8], _ fragment: String, at offset: Int? = nil, parser: JSONParser = JSONParser(),
    sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        let value = try parser.parse(input)
        Issue.record("accepted, giving \(value.serialized())", sourceLocation: sourceLocation)
    } catch {
        #expect(error.message.contains(fragment), "message: \(error.description)", sourceLocation: sourceLocation)
        if let offset {
            #expect(error.offset == offset, "message: \(error.description)", sourceLocation: sourceLocation)
        }
    }
}

@Suite("JSONParser: strict RFC 8259")
struct JSONParserSyntaxTests {
    static let rejections: [JSONRejection] = [
        // Framing: exactly one value, JSON whitespace only, no BOM, no NUL padding.
        JSONRejection("", "expected a value, found the end of the input", at: 0),
        JSONRejection(" \n\t\r", "expected a value, found the end of the input", at: 4),
        JSONRejection(bytes: [0xEF, 0xBB, 0xBF] + Array("{}".utf8), "byte order mark", at: 0),
        JSONRejection(bytes: Array("{}".utf8) + [0, 0, 0], "unexpected byte 0x00 after the JSON value", at: 2),
        JSONRejection("{} x", "unexpected 'x' after the JSON value", at: 3),
        JSONRejection("{}{}", "unexpected '{' after the JSON value", at: 2),
        JSONRejection("1 2", "unexpected '2' after the JSON value", at: 2),
        JSONRejection("\u{0C}{}", "expected a value, found byte 0x0C", at: 0),
        JSONRejection("\u{0B}{}", "expected a value, found byte 0x0B", at: 0),
        JSONRejection("\u{A0}{}", "expected a value, found byte 0xC2", at: 0),
        // Structure.
        JSONRejection("[1,]", "trailing comma before ']'", at: 3),
        JSONRejection("[1 , ]", "trailing comma before ']'", at: 5),
        JSONRejection("{\"a\":1,}", "trailing comma before '}'", at: 7),
        JSONRejection("[,1]", "expected a value, found ','", at: 1),
        JSONRejection("[1 2]", "expected ',' or ']', found '2'", at: 3),
        JSONRejection("{\"a\" 1}", "expected ':' after the key, found '1'", at: 5),
        JSONRejection("{\"a\":1 \"b\":2}", "expected ',' or '}', found '\"'", at: 7),
        JSONRejection("{1:2}", "expected a string key, found '1'", at: 1),
        JSONRejection("{'a':1}", "expected a string key, found '''", at: 1),
        JSONRejection("{,}", "expected a string key, found ','", at: 1),
        JSONRejection("[", "expected a value, found the end of the input", at: 1),
        JSONRejection("[1", "expected ',' or ']', found the end of the input", at: 2),
        JSONRejection("{", "expected a string key, found the end of the input", at: 1),
        JSONRejection("{\"a\":", "expected a value, found the end of the input", at: 5),
        JSONRejection("{\"a\":1", "expected ',' or '}', found the end of the input", at: 6),
        JSONRejection("]", "expected a value, found ']'", at: 0),
        // Numbers.
        JSONRejection("01", "leading zeros are not allowed", at: 0),
        JSONRejection("[-01]", "leading zeros are not allowed", at: 1),
        JSONRejection("00", "leading zeros are not allowed", at: 0),
        JSONRejection("+1", "expected a value, found '+'", at: 0),
        JSONRejection(".5", "expected a value, found '.'", at: 0),
        JSONRejection("1.", "expected a digit after the decimal point, found the end of the input", at: 2),
        JSONRejection("1.e5", "expected a digit after the decimal point, found 'e'", at: 2),
        JSONRejection("1e", "expected a digit in the exponent", at: 2),
        JSONRejection("1e+", "expected a digit in the exponent", at: 3),
        JSONRejection("1e+-1", "expected a digit in the exponent", at: 3),
        JSONRejection("-", "expected a digit after '-', found the end of the input", at: 1),
        JSONRejection("- 1", "expected a digit after '-', found byte 0x20", at: 1),
        JSONRejection("NaN", "expected a value, found 'N'", at: 0),
        JSONRejection("Infinity", "expected a value, found 'I'", at: 0),
        JSONRejection("-Infinity", "expected a digit after '-', found 'I'", at: 1),
        JSONRejection("0x10", "unexpected 'x' after the JSON value", at: 1),
        JSONRejection("1.5.3", "unexpected '.' after the JSON value", at: 3),
        // Literals.
        JSONRejection("tru", "invalid literal, expected 'true'", at: 0),
        JSONRejection("[fals]", "invalid literal, expected 'false'", at: 1),
        JSONRejection("nul", "invalid literal, expected 'null'", at: 0),
        JSONRejection("True", "expected a value, found 'T'", at: 0),
        JSONRejection("truex", "unexpected 'x' after the JSON value", at: 4),
        // Strings.
        JSONRejection("\"abc", "unterminated string", at: 0),
        JSONRejection("[\"a\\\"]", "unterminated string", at: 1),
        JSONRejection("\"\\", "unterminated string", at: 1),
        JSONRejection("\"a\nb\"", "unescaped control character 0x0A in string", at: 2),
        JSONRejection("\"a\tb\"", "unescaped control character 0x09 in string", at: 2),
        JSONRejection(bytes: [0x22, 0x00, 0x22], "unescaped control character 0x00 in string", at: 1),
        JSONRejection("\"\\n\u{1F}\"", "unescaped control character 0x1F in string", at: 3),
        JSONRejection("\"\\x\"", "invalid escape: backslash followed by 'x'", at: 1),
        JSONRejection("\"\\'\"", "invalid escape: backslash followed by '''", at: 1),
        JSONRejection("\"\\U0041\"", "invalid escape: backslash followed by 'U'", at: 1),
        JSONRejection("\"\\u12\"", "invalid \\u escape: expected 4 hex digits, found '\"'", at: 1),
        JSONRejection("\"\\u00g0\"", "invalid \\u escape: expected 4 hex digits, found 'g'", at: 1),
        JSONRejection("\"\\u00", "invalid \\u escape: expected 4 hex digits, found the end of the input", at: 1),
        JSONRejection("\"\\ud800\"", "unpaired surrogate \\uD800", at: 1),
        JSONRejection("\"ab\\uDBFF\"", "unpaired surrogate \\uDBFF", at: 3),
        JSONRejection("\"\\ud800\\u0041\"", "unpaired surrogate \\uD800", at: 1),
        JSONRejection("\"\\ud800\\ud800\"", "unpaired surrogate \\uD800", at: 1),
        JSONRejection("\"\\ud800\\n\"", "unpaired surrogate \\uD800", at: 1),
        JSONRejection("\"\\udc00\"", "unpaired low surrogate \\uDC00", at: 1),
        JSONRejection("\"\\udc00\\ud800\"", "unpaired low surrogate \\uDC00", at: 1),
        JSONRejection("\"\\ud800\\uZZZZ\"", "invalid \\u escape", at: 7),
        // Raw bytes in strings must be valid UTF-8 (Unicode Table 3-7).
        JSONRejection(bytes: [0x22, 0xC0, 0x80, 0x22], "invalid UTF-8: overlong encoding", at: 1),
        JSONRejection(bytes: [0x22, 0xC1, 0xBF, 0x22], "invalid UTF-8: overlong encoding", at: 1),
        JSONRejection(bytes: [0x22, 0xE0, 0x80, 0x80, 0x22], "invalid UTF-8: overlong encoding", at: 1),
        JSONRejection(bytes: [0x22, 0xF0, 0x8F, 0xBF, 0xBF, 0x22], "invalid UTF-8: overlong encoding", at: 1),
        JSONRejection(bytes: [0x22, 0xED, 0xA0, 0x80, 0x22], "invalid UTF-8: encoded surrogate", at: 1),
        JSONRejection(bytes: [0x22, 0xED, 0xBF, 0xBF, 0x22], "invalid UTF-8: encoded surrogate", at: 1),
        JSONRejection(bytes: [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], "invalid UTF-8: code point above U+10FFFF", at: 1),
        JSONRejection(bytes: [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], "invalid UTF-8: byte 0xF5 never occurs", at: 1),
        JSONRejection(bytes: [0x22, 0xFF, 0x22], "invalid UTF-8: byte 0xFF never occurs", at: 1),
        JSONRejection(bytes: [0x22, 0x80, 0x22], "invalid UTF-8: unexpected continuation byte 0x80", at: 1),
        JSONRejection(bytes: [0x22, 0x61, 0xE2, 0x82, 0x22], "invalid UTF-8: truncated sequence", at: 2),
        JSONRejection(bytes: [0x22, 0xE2, 0x82], "invalid UTF-8: truncated sequence", at: 1),
        JSONRejection(bytes: [0x22, 0xC3, 0x41, 0x22], "invalid UTF-8: truncated sequence", at: 1),
        JSONRejection(bytes: [0x22, 0x5C, 0x6E, 0xC3, 0x22], "invalid UTF-8: truncated sequence", at: 3),
        JSONRejection(bytes: [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D], "invalid UTF-8", at: 2),
    ]

    @Test("rejects malformed input with a message and offset", arguments: rejections)
    func rejects(_ rejection: JSONRejection) {
        expectRejected(rejection.input, rejection.fragment, at: rejection.offset)
    }

    @Test("accepts JSON whitespace around the value and any top-level value")
    func framing() throws {
        #expect(try parse(" \t\n\r{}\r\n\t ") == .object(JSONObject()))
        #expect(try parse("{\"a\":1}" + String(repeating: " ", count: 5)) == ["a": 1])
        #expect(try parse("1") == 1)
        #expect(try parse("\"x\"") == "x")
        #expect(try parse(" null ") == nil)
        #expect(try parse("[true,false]") == [true, false])
        #expect(try parse(" [ 1 , { \"a\" : [ ] , \"b\" : { } } ] ") == [1, ["a": [], "b": .object(JSONObject())]])
    }

    @Test("decodes every escape, surrogate pairs and raw UTF-8")
    func strings() throws {
        #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(try parse(#""\u00e9\u00E9\u20AC\ud83d\ude00""#) == .string("éé€😀"))
        #expect(try parse(#""a\u0000b""#) == .string("a\u{0}b"))
        #expect(try parse("\"é€😀\u{10FFFF}\u{7F}\"") == .string("é€😀\u{10FFFF}\u{7F}"))
        #expect(try parse(#""plain \n then plain""#) == .string("plain \n then plain"))
        #expect(try parse(#""\udbff\udfff""#) == .string("\u{10FFFF}"))
        #expect(try parse("\"\"") == "")
    }

    @Test("parses Data, array slices and non-contiguous collections")
    func collections() throws {
        let text = "{\"a\":[1,2]}"
        let expected: JSONValue = ["a": [1, 2]]
        #expect(try JSONParser().parse(Data(text.utf8)) == expected)
        #expect(try JSONParser().parse(Array(("xx" + text).utf8).dropFirst(2)) == expected)
        #expect(try JSONParser().parse(Array(text.utf8).reversed().reversed()) == expected)
        let fromBuffer = try Array(text.utf8).withUnsafeBytes { buffer throws(JSONError) in
            try JSONParser().parse(buffer)
        }
        #expect(fromBuffer == expected)
    }

    @Test("maxBytes rejects oversized input before parsing")
    func maxBytes() throws {
        var parser = JSONParser()
        parser.maxBytes = 4
        expectRejected(Array("[1,2]".utf8), "input is 5 bytes, more than the 4-byte limit", at: 4, parser: parser)
        #expect(try parser.parse(Array("[12]".utf8)) == [12])
    }

    @Test("an error prints its message and offset")
    func errorDescription() {
        let error = JSONError(offset: 17, message: "duplicate key \"a\"")
        #expect(error.description == "duplicate key \"a\" at byte 17")
    }
}

@Suite("JSONParser: duplicate keys")
struct JSONParserDuplicateKeyTests {
    @Test(
        "rejects a key repeated in one object, compared after unescaping",
        arguments: [
            ("{\"a\":1,\"a\":2}", "duplicate key \"a\"", 7),
            ("{\"a\":1,\"\\u0061\":2}", "duplicate key \"a\"", 7),
            ("{\"é\":1,\"\\u00e9\":2}", "duplicate key \"é\"", 8),
            ("{\"\":1,\"\":2}", "duplicate key \"\"", 6),
            ("{\"a\\u0000\":1,\"a\\u0000\":2}", "duplicate key \"a\\u0000\"", 13),
            ("{\"x\":{\"b\":1,\"c\":{},\"b\":2}}", "duplicate key \"b\"", 19),
            ("[{\"a\":1},{\"a\":1,\"a\":1}]", "duplicate key \"a\"", 16),
            ("{\"q\\\"\":1,\"q\\\"\":2}", "duplicate key \"q\\\"\"", 9),
        ])
    func rejectsDuplicates(input: String, fragment: String, offset: Int) {
        expectRejected(Array(input.utf8), fragment, at: offset)
    }

    @Test("finds a duplicate among many keys, where lookup goes through the index")
    func duplicateInLargeObject() {
        let keys = (0..<1000).map { "\"k\($0)\":\($0)" } + ["\"k500\":0"]
        expectRejected(Array(("{" + keys.joined(separator: ",") + "}").utf8), "duplicate key \"k500\"")
    }

    @Test("shortens a very long duplicate key in the message")
    func longDuplicateKey() {
        let key = String(repeating: "n", count: 10_000)
        expectRejected(
            Array("{\"\(key)\":1,\"\(key)\":2}".utf8), "duplicate key \"\(String(repeating: "n", count: 80))…\"")
    }

    @Test("keeps canonically equivalent but byte-different keys apart")
    func canonicalEquivalence() throws {
        // U+00E9 and "e" + U+0301 are equal as Swift Strings but differ as bytes, as in Rust and Python.
        let precomposed = "\u{E9}"
        let decomposed = "e\u{301}"
        #expect(precomposed == decomposed)
        let object = try #require(try parse("{\"\(precomposed)\":1,\"\(decomposed)\":2}").object)
        #expect(object.count == 2)
        #expect(object[precomposed] == 1)
        #expect(object[decomposed] == 2)
        #expect(object.keys.map { Array($0.utf8) } == [[0xC3, 0xA9], [0x65, 0xCC, 0x81]])
    }

    @Test("allows the same key in different objects, and NUL inside keys")
    func sameKeyInSiblings() throws {
        let value = try parse("{\"a\":{\"a\":1},\"b\":{\"a\":2},\"a\\u0000b\":3,\"a\\u0000c\":4}")
        #expect(value == ["a": ["a": 1], "b": ["a": 2], "a\u{0}b": 3, "a\u{0}c": 4])
    }
}

@Suite("JSONParser: numbers")
struct JSONParserNumberTests {
    static let cases: [JSONNumberCase] = [
        JSONNumberCase(text: "0", uint64: 0, int64: 0, double: 0),
        JSONNumberCase(text: "-0", uint64: 0, int64: 0, double: -0.0),
        JSONNumberCase(text: "16", uint64: 16, int64: 16, double: 16),
        JSONNumberCase(
            text: "9007199254740993", uint64: 9_007_199_254_740_993, int64: 9_007_199_254_740_993,
            double: 9_007_199_254_740_992),
        JSONNumberCase(
            text: "9223372036854775807", uint64: 9_223_372_036_854_775_807, int64: .max, double: 9.223372036854775807e18
        ),
        JSONNumberCase(
            text: "9223372036854775808", uint64: 9_223_372_036_854_775_808, int64: nil, double: 9.223372036854775808e18),
        JSONNumberCase(text: "18446744073709551615", uint64: .max, int64: nil, double: 1.8446744073709552e19),
        JSONNumberCase(text: "18446744073709551616", uint64: nil, int64: nil, double: 1.8446744073709552e19),
        JSONNumberCase(text: "-2", uint64: nil, int64: -2, double: -2),
        JSONNumberCase(text: "-9223372036854775808", uint64: nil, int64: .min, double: -9.223372036854775808e18),
        JSONNumberCase(text: "-9223372036854775809", uint64: nil, int64: nil, double: -9.223372036854775808e18),
        JSONNumberCase(text: "2.0", uint64: nil, int64: nil, double: 2),
        JSONNumberCase(text: "2e0", uint64: nil, int64: nil, double: 2),
        JSONNumberCase(text: "2E+3", uint64: nil, int64: nil, double: 2000),
        JSONNumberCase(text: "-1.5e-3", uint64: nil, int64: nil, double: -0.0015),
        JSONNumberCase(text: "0.1", uint64: nil, int64: nil, double: 0.1),
        JSONNumberCase(text: "1e400", uint64: nil, int64: nil, double: nil),
        JSONNumberCase(text: "-1e400", uint64: nil, int64: nil, double: nil),
        JSONNumberCase(text: "1e-400", uint64: nil, int64: nil, double: 0),
        JSONNumberCase(text: "123456789012345678901234567890", uint64: nil, int64: nil, double: 1.2345678901234568e29),
    ]

    @Test("reads integers exactly and keeps the literal text", arguments: cases)
    func exactness(_ expected: JSONNumberCase) throws {
        let number = try #require(try parse(expected.text).number)
        #expect(number.text == expected.text)
        #expect(number.description == expected.text)
        #expect(number.uint64 == expected.uint64)
        #expect(number.int64 == expected.int64)
        #expect(number.double == expected.double)
        if let double = expected.double, double == 0 {
            #expect(number.double?.sign == double.sign)
        }
    }

    @Test("keeps literal text, so 1 and 1.0 differ")
    func literalText() throws {
        #expect(try parse("[1.50]") == [.number(try #require(try parse("1.50").number))])
        #expect(try parse("1") != parse("1.0"))
    }

    @Test("builds numbers from integers and finite doubles")
    func initializers() throws {
        #expect(JSONNumber(UInt64.max).text == "18446744073709551615")
        #expect(JSONNumber(Int64.min).text == "-9223372036854775808")
        #expect(JSONNumber(42).text == "42")
        #expect(JSONNumber(UInt8(7)).uint64 == 7)
        #expect(JSONNumber(exactly: Double.nan) == nil)
        #expect(JSONNumber(exactly: Double.infinity) == nil)
        #expect(JSONNumber(exactly: -Double.infinity) == nil)
        #expect(JSONNumber(exactly: 0.1)?.text == "0.1")
        #expect(JSONNumber(exactly: 1.0)?.text == "1.0")
        #expect(JSONNumber(exactly: 2.0)?.uint64 == nil)
        #expect(JSONNumber(exactly: Float(0.1))?.text == "0.1")
        #expect(JSONNumber(exactly: Float.nan) == nil)
        #expect(JSONNumber(exactly: -Float.infinity) == nil)
    }

    @Test("doubles and floats written by JSONNumber(exactly:) parse back to the same bits")
    func doubleRoundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        let specials: [Double] = [
            0, -0.0, 1e-7, 1e16, 1e21, 123.456, .leastNonzeroMagnitude, .leastNormalMagnitude,
            .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .ulpOfOne, 1.0 / 3,
        ]
        let randoms = (0..<500).map { _ in Double(bitPattern: generator.next()) }.filter(\.isFinite)
        for value in specials + randoms {
            let number = try #require(JSONNumber(exactly: value))
            let parsed = try parse(number.text)
            #expect(parsed.number?.double?.bitPattern == value.bitPattern, "\(number.text)")
        }
        let floats: [Float] = [0.1, -0.0, 3.4028235e38, .leastNonzeroMagnitude, 16_777_216, 1e-7]
        let randomFloats = (0..<500).map { _ in Float(bitPattern: UInt32.random(in: 0...UInt32.max)) }
        for value in floats + randomFloats.filter(\.isFinite) {
            let number = try #require(JSONNumber(exactly: value))
            let parsed = try parse(number.text)
            #expect(parsed.number.flatMap { Float($0.text) }?.bitPattern == value.bitPattern, "\(number.text)")
        }
    }
}

@Suite("JSONParser: nesting and size limits")
struct JSONParserLimitTests {
    private func nested(_ depth: Int) -> String {
        String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    }

    @Test("accepts 128 levels and rejects 129")
    func depthLimit() throws {
        _ = try parse(nested(128))
        expectRejected(Array(nested(129).utf8), "nesting deeper than 128", at: 128)
        let objects = String(repeating: "{\"a\":", count: 128) + "1" + String(repeating: "}", count: 128)
        _ = try parse(objects)
        expectRejected(Array(("[" + objects + "]").utf8), "nesting deeper than 128", at: 128 * 5 + 1 - 5)
        expectRejected(
            Array((String(repeating: "[", count: 128) + "{}" + String(repeating: "]", count: 128)).utf8),
            "nesting deeper than 128", at: 128)
    }

    @Test("honours a custom depth")
    func customDepth() throws {
        _ = try parse("[[1]]", maxDepth: 2)
        expectRejected(Array("[[[1]]]".utf8), "nesting deeper than 2", at: 2, parser: JSONParser(maxDepth: 2))
        expectRejected(Array("[]".utf8), "nesting deeper than 0", at: 0, parser: JSONParser(maxDepth: 0))
        #expect(try JSONParser(maxDepth: 0).parse(Array("7".utf8)) == 7)
    }

    @Test("survives a million opening brackets without a stack overflow")
    func millionBrackets() {
        expectRejected(Array(repeating: UInt8(ascii: "["), count: 1_000_000), "nesting deeper than 128", at: 128)
        expectRejected(Array(String(repeating: "{\"a\":", count: 200_000).utf8), "nesting deeper than 128", at: 640)
        let balanced =
            Array(repeating: UInt8(ascii: "["), count: 500_000) + Array(repeating: UInt8(ascii: "]"), count: 500_000)
        expectRejected(balanced, "nesting deeper than 128", at: 128)
    }

    @Test("parses a 20 MB header with 200k tensor entries quickly")
    func largeHeader() throws {
        let count = 200_000
        var text = "{\"__metadata__\":{\"format\":\"pt\"}"
        text.reserveCapacity(21_000_000)
        for index in 0..<count {
            let name = "model.layers.\(index).self_attn.q_proj.weight.padding_to_make_it_longer"
            text +=
                ",\"\(name)\":{\"dtype\":\"BF16\",\"shape\":[4096,4096],\"data_offsets\":[\(index * 32),\(index * 32 + 32)]}"
        }
        text += "}"
        let bytes = Array(text.utf8)
        #expect(bytes.count > 20_000_000)

        let clock = ContinuousClock()
        var parsed: JSONValue?
        let elapsed = try clock.measure { parsed = try JSONParser().parse(bytes) }
        #expect(elapsed < .seconds(30), "took \(elapsed)")

        let object = try #require(parsed?.object)
        #expect(object.count == count + 1)
        let last = try #require(
            object["model.layers.\(count - 1).self_attn.q_proj.weight.padding_to_make_it_longer"]?.object)
        #expect(last["data_offsets"]?.array?.last?.number?.uint64 == UInt64(count * 32))
        #expect(object.keys[1] == "model.layers.0.self_attn.q_proj.weight.padding_to_make_it_longer")
    }
}

@Suite("JSONValue: objects, literals and equality")
struct JSONValueModelTests {
    @Test("subscript assignment replaces in place, appends, and removes")
    func subscriptEditing() {
        var object = JSONObject([("a", 1), ("b", 2)])
        object["a"] = "one"
        object["c"] = true
        #expect(object.keys == ["a", "b", "c"])
        #expect(object["a"] == "one")
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(object.removeValue(forKey: "a") == "one")
        #expect(object.removeValue(forKey: "missing") == nil)
        #expect(object.count == 1)
        #expect(object["c"] == true)
        #expect(object["zzz"] == nil)
    }

    @Test("repeated keys in init and literals keep the first position and the last value")
    func repeatedKeysWhenBuilding() {
        let object = JSONObject([("a", 1), ("b", 2), ("a", 3)])
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == 3)
        let literal: JSONValue = ["x": 1, "x": 2]
        #expect(literal.object?.count == 1)
        #expect(literal.object?["x"] == 2)
    }

    @Test("large objects keep lookups consistent through edits and removals")
    func largeObjectIndex() {
        var object = JSONObject()
        for index in 0..<100 { object["k\(index)"] = .number(JSONNumber(index)) }
        for index in stride(from: 0, to: 100, by: 3) { object.removeValue(forKey: "k\(index)") }
        object["k1"] = "changed"
        object["new"] = nil
        object["new"] = 1
        #expect(object.count == 100 - 34 + 1)
        #expect(object["k1"] == "changed")
        #expect(object["k3"] == nil)
        #expect(object["k98"] == 98)
        #expect(object.keys.last == "new")
        while object.count > 3 { object.removeValue(forKey: object.keys[0]) }
        #expect(object.keys == ["k97", "k98", "new"])
        #expect(object["k97"] == 97)
    }

    @Test("iterates entries in order")
    func iteration() {
        let object = JSONObject([("z", 1), ("a", 2)])
        var seen: [String] = []
        for (key, value) in object {
            seen.append("\(key)=\(value.number?.text ?? "")")
        }
        #expect(seen == ["z=1", "a=2"])
        #expect(object.entries.map(\.key) == ["z", "a"])
    }

    @Test("literals build the same values as the cases")
    func literals() {
        let built: JSONValue = ["a": [1, true, nil, "x"], "b": [:]]
        let explicit = JSONValue.object(
            JSONObject([
                ("a", .array([.number(JSONNumber(1)), .bool(true), .null, .string("x")])),
                ("b", .object(JSONObject())),
            ]))
        #expect(built == explicit)
    }

    @Test("accessors return nil for other cases")
    func accessors() {
        let value: JSONValue = ["s": "t", "n": 3, "b": false, "a": [], "z": nil]
        let object = value.object
        #expect(object?["s"]?.string == "t")
        #expect(object?["n"]?.number?.int64 == 3)
        #expect(object?["b"]?.bool == false)
        #expect(object?["a"]?.array == [])
        #expect(object?["z"]?.isNull == true)
        #expect(object?["s"]?.number == nil)
        #expect(object?["n"]?.string == nil)
        #expect(object?["b"]?.isNull == false)
        #expect(value.array == nil)
        #expect(JSONValue.null.object == nil)
    }

    @Test("equality compares strings and keys by bytes and objects in order")
    func equality() {
        #expect(JSONValue.string("\u{E9}") != .string("e\u{301}"))
        #expect(JSONValue.string("\u{E9}") == .string("\u{E9}"))
        #expect(JSONValue.object(JSONObject([("\u{E9}", 1)])) != .object(JSONObject([("e\u{301}", 1)])))
        #expect(JSONObject([("a", 1), ("b", 2)]) != JSONObject([("b", 2), ("a", 1)]))
        #expect(JSONValue.number(JSONNumber(1)) != .bool(true))
        #expect(JSONValue.array([1, 2]) != .array([1]))
        #expect(JSONObject()["\u{E9}"] == nil)
    }
}

@Suite("JSONValue: serialization")
struct JSONSerializationTests {
    static let safetensorsVector = #"{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}"#

    @Test("the safetensors test vector parses and serializes back byte for byte")
    func safetensorsVector() throws {
        let value = try parse(Self.safetensorsVector)
        let test = try #require(value.object?["test"]?.object)
        #expect(test["dtype"] == "I32")
        #expect(test["shape"]?.array?.compactMap(\.number?.uint64) == [2, 2])
        #expect(test["data_offsets"]?.array?.compactMap(\.number?.uint64) == [0, 16])
        #expect(value.serialized() == Self.safetensorsVector)
        #expect(value.serializedBytes() == Array(Self.safetensorsVector.utf8))
        #expect(Array(Self.safetensorsVector.utf8).count == 60)
    }

    @Test("compact output has no spaces")
    func compact() {
        var root = JSONObject()
        root["__metadata__"] = ["format": "pt"]
        root["a"] = ["dtype": "F32", "shape": [2], "data_offsets": [0, 8]]
        root["e"] = ["x": [], "y": [:], "z": nil, "t": true, "f": false]
        #expect(
            JSONValue.object(root).serialized()
                == #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"e":{"x":[],"y":{},"z":null,"t":true,"f":false}}"#
        )
    }

    @Test("pretty output matches Python's json.dumps(indent=2)")
    func pretty() {
        let value: JSONValue = [
            "metadata": ["total_size": 16],
            "weight_map": ["b": "x.safetensors", "a": "y"],
            "e": [], "o": [:],
            "n": [1, [2, nil], true, .number(JSONNumber(exactly: -1.5)!)],
        ]
        let python = """
            {
              "metadata": {
                "total_size": 16
              },
              "weight_map": {
                "b": "x.safetensors",
                "a": "y"
              },
              "e": [],
              "o": {},
              "n": [
                1,
                [
                  2,
                  null
                ],
                true,
                -1.5
              ]
            }
            """
        #expect(value.serialized(options: .prettyPrinted) == python)
        #expect(JSONValue.array([]).serialized(options: .prettyPrinted) == "[]")
        #expect(JSONValue(integerLiteral: 5).serialized(options: .prettyPrinted) == "5")
    }

    @Test("sorted keys follow UTF-8 byte order at every level, as Python's sort_keys")
    func sortedKeys() {
        let value: JSONValue = ["b": 1, "a": ["\u{E9}": 2, "z": 3, "A": 4, "\u{E9}x": 5, "e\u{301}": 6]]
        // Python: json.dumps(v, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        #expect(
            value.serialized(options: .sortedKeys)
                == "{\"a\":{\"A\":4,\"e\u{301}\":6,\"z\":3,\"\u{E9}\":2,\"\u{E9}x\":5},\"b\":1}")
        #expect(
            JSONValue(dictionaryLiteral: ("b", 1), ("a", 2)).serialized(options: [.sortedKeys, .prettyPrinted])
                == "{\n  \"a\": 2,\n  \"b\": 1\n}")
    }

    @Test("strings escape quotes, backslashes and control characters only")
    func escaping() {
        let value = JSONValue.string("\"\\/\n\t\r\u{8}\u{C}\u{1}\u{1F}\u{7F}é😀\u{0}")
        #expect(value.serialized() == "\"\\\"\\\\/\\n\\t\\r\\b\\f\\u0001\\u001f\u{7F}é😀\\u0000\"")
        #expect(JSONValue.string("").serialized() == "\"\"")
        #expect(JSONValue.string("plain").serialized() == "\"plain\"")
    }

    @Test(
        "parse(serialize(v)) == v",
        arguments: [JSONWriteOptions(), .prettyPrinted])
    func roundTrip(options: JSONWriteOptions) throws {
        let values: [JSONValue] = [
            nil, true, 0, "", [], [:],
            .number(JSONNumber(UInt64.max)), .number(JSONNumber(Int64.min)),
            .number(JSONNumber(exactly: 1e-7)!), .number(JSONNumber(exactly: -0.0)!),
            .string("\u{0}\u{1F}\"\\/é e\u{301} 😀 \u{10FFFF}"),
            ["\u{E9}": 1, "e\u{301}": 2, "": [nil, [[[]]]], "a\u{0}b": ["k": "v"]],
            .array((0..<50).map { .number(JSONNumber($0)) }),
            .object(JSONObject((0..<50).map { ("key\($0)", .string("\($0)")) })),
        ]
        for value in values {
            let reparsed = try JSONParser().parse(value.serializedBytes(options: options))
            #expect(reparsed == value, "\(value.serialized())")
            #expect(
                value.serialized(options: options)
                    == String(decoding: value.serializedBytes(options: options), as: UTF8.self))
        }
    }

    @Test("parsed documents serialize back to the same bytes when already compact")
    func compactIdentity() throws {
        let documents = [
            #"{"a":[1,2.50,-0,1E+5,"x\n\u0001"],"b":{},"c":[],"d":null,"e":true}"#,
            "[\"é\",\"e\u{301}\",\"\u{10FFFF}\"]",
        ]
        for document in documents {
            #expect(try parse(document).serialized() == document)
        }
    }
}
