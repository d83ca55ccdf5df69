import CkptFormats
import Foundation
import Testing

@Suite struct JSONParserTests {
    func parse(_ text: String) throws(JSONError) -> JSONValue { try JSONParser().parse(Array(text.utf8)) }

    @Test(arguments: [
        ("", "unexpected end of input"),
        ("{", "expected a string key"),
        (#"{"a":1,}"#, "expected a string key"),
        ("[1,]", "where a value should start"),
        ("01", "leading zero"),
        ("+1", "where a value should start"),
        (".5", "where a value should start"),
        ("1.", "digits expected after '.'"),
        ("1e", "digits expected in an exponent"),
        ("NaN", "where a value should start"),
        ("Infinity", "where a value should start"),
        ("tru", "invalid literal"),
        ("{} x", "unexpected data after the JSON value"),
        ("{}\u{0}", "unexpected data after the JSON value"),
        ("\u{FEFF}{}", "where a value should start"),
        ("\"a\u{1}b\"", "control character 0x1"),
        (#""\x""#, "invalid escape \\x"),
        (#""\ud800""#, "lone surrogate"),
        (#""\udc00\ud800""#, "lone surrogate"),
        (#""\ud800\u0041""#, "invalid surrogate pair"),
        (#""\u12G4""#, "invalid hex digit"),
        (#""abc"#, "unterminated string"),
        (#"{"a":1,"a":2}"#, "duplicate key \"a\""),
        (#"{"a":1,"\u0061":2}"#, "duplicate key \"a\""),
        ("\u{0B}1", "where a value should start"),
    ])
    func rejects(_ input: String, _ fragment: String) {
        do {
            _ = try parse(input)
            Issue.record("accepted \(input.debugDescription)")
        } catch {
            #expect(error.message.contains(fragment), "\(input.debugDescription): \(error)")
        }
    }

    @Test func rejectsInvalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22]] {
            #expect(throws: JSONError.self) { try JSONParser().parse(bytes) }
        }
    }

    @Test func canonicallyEquivalentKeysAreDistinct() throws {
        let object = try #require(try parse("{\"é\":1,\"e\u{301}\":2}").object)
        #expect(object.count == 2)
        #expect(object["é"]?.number?.int64 == 1)
        #expect(object["e\u{301}"]?.number?.int64 == 2)
    }

    @Test func integersAreExact() throws {
        #expect(try parse("18446744073709551615").number?.uint64 == .max)
        #expect(try parse("18446744073709551616").number?.uint64 == nil)
        #expect(try parse("2.0").number?.uint64 == nil)
        #expect(try parse("2e0").number?.uint64 == nil)
        #expect(try parse("-2").number?.uint64 == nil)
        #expect(try parse("-2").number?.int64 == -2)
        #expect(try parse("-9223372036854775808").number?.int64 == .min)
        #expect(try parse("1.5e3").number?.double == 1500)
        #expect(try parse("9007199254740993").number?.uint64 == 9_007_199_254_740_993)
    }

    @Test func depthIsLimited() throws {
        let ok = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        #expect(try parse(ok).array != nil)
        let deep = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        #expect(throws: JSONError(offset: 128, message: "nesting deeper than 128")) { try parse(deep) }
        #expect(throws: JSONError.self) { try parse(String(repeating: "[", count: 1_000_000)) }
        #expect(throws: JSONError.self) { try parse(String(repeating: "{\"a\":", count: 200_000)) }
    }

    @Test func stringsAndEscapes() throws {
        #expect(try parse(#""\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\u0000""#) == .string("\"\\/\u{8}\u{C}\n\r\té😀\u{0}"))
        #expect(try parse(" \t\r\n{\"k\" : [ true , false , null ] } \n") == ["k": [true, false, nil]])
    }

    @Test func serializationRoundTrips() throws {
        let text = #"{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]},"s":"a\"b\\c\nd\u0001é","n":[-1.5e-7,18446744073709551615,null,true]}"#
        let value = try parse(text)
        #expect(value.serialized() == text)
        #expect(try parse(value.serialized(options: .prettyPrinted)) == value)
        let pretty: JSONValue = ["b": [1, 2], "a": [:], "c": []]
        #expect(pretty.serialized(options: [.prettyPrinted, .sortedKeys]) == "{\n  \"a\": {},\n  \"b\": [\n    1,\n    2\n  ],\n  \"c\": []\n}")
    }

    @Test func objectKeepsOrderAndEdits() throws {
        var object = try #require(try parse(#"{"z":1,"a":2,"m":3}"#).object)
        #expect(object.keys == ["z", "a", "m"])
        object["a"] = "x"
        object["new"] = 4
        object.removeValue(forKey: "z")
        #expect(object.keys == ["a", "m", "new"])
        #expect(object["m"]?.number?.int64 == 3)
        #expect(JSONValue.object(object).serialized() == #"{"a":"x","m":3,"new":4}"#)
    }

    @Test func largeHeaderParsesQuickly() throws {
        var text = "{"
        for i in 0..<100_000 {
            if i > 0 { text += "," }
            text += #""model.layers.\#(i).weight":{"dtype":"F32","shape":[4],"data_offsets":[\#(16 * i),\#(16 * i + 16)]}"#
        }
        text += "}"
        let start = Date()
        let object = try #require(try parse(text).object)
        #expect(object.count == 100_000)
        #expect(Date().timeIntervalSince(start) < 30)
    }
}
