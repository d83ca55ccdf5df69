import CkptFormats
import CkptJSON
import Foundation
import Testing

@Suite struct JSONValueEncoderTests {
    /// Keys declared out of alphabetical order, one renamed.
    struct Ordered: Encodable {
        var zeta = 1
        var alpha = 2
        var middle = 3

        enum CodingKeys: String, CodingKey {
            case zeta, alpha
            case middle = "mid_dle"
        }
    }

    struct Inner: Codable, Equatable {
        var name: String
        var flags: [Bool]
    }

    struct Outer: Encodable {
        var inner: Inner
        var list: [Inner]
        var matrix: [[Int]]
        var empty: [String]
    }

    struct Optionals: Encodable {
        var int: Int?
        var string: String?
        var double: Double?
        var bool: Bool?
        var inner: Inner?
        var list: [Int]?
        var present: Int?
    }

    @Test func keysFollowTheCodingKeysOrder() throws {
        let value = try JSONValueEncoder().encode(Ordered())
        #expect(value.object?.keys == ["zeta", "alpha", "mid_dle"])
        #expect(value.serialized() == #"{"zeta":1,"alpha":2,"mid_dle":3}"#)
    }

    @Test func nestedObjectsAndArrays() throws {
        let outer = Outer(
            inner: Inner(name: "a", flags: [true]), list: [Inner(name: "b", flags: []), Inner(name: "c", flags: [false, true])],
            matrix: [[1, 2], []], empty: [])
        let text = try JSONValueEncoder().encode(outer).serialized(options: .prettyPrinted)
        #expect(
            text == """
                {
                  "inner": {
                    "name": "a",
                    "flags": [
                      true
                    ]
                  },
                  "list": [
                    {
                      "name": "b",
                      "flags": []
                    },
                    {
                      "name": "c",
                      "flags": [
                        false,
                        true
                      ]
                    }
                  ],
                  "matrix": [
                    [
                      1,
                      2
                    ],
                    []
                  ],
                  "empty": []
                }
                """)
        // What the encoder writes, Foundation's decoder reads back.
        let decoded = try JSONDecoder().decode(Inner.self, from: Data(try JSONValueEncoder().encode(outer.list[1]).serialized().utf8))
        #expect(decoded == outer.list[1])
    }

    @Test func nilOptionalsAreNullNotLeftOut() throws {
        let value = try JSONValueEncoder().encode(Optionals(present: 5))
        #expect(value.serialized() == #"{"int":null,"string":null,"double":null,"bool":null,"inner":null,"list":null,"present":5}"#)
        let filled = Optionals(int: 1, string: "s", double: 0.5, bool: false, inner: Inner(name: "n", flags: []), list: [2], present: 3)
        #expect(
            try JSONValueEncoder().encode(filled).serialized()
                == #"{"int":1,"string":"s","double":0.5,"bool":false,"inner":{"name":"n","flags":[]},"list":[2],"present":3}"#)
        #expect(try JSONValueEncoder().encode([nil, 1] as [Int?]).serialized() == "[null,1]")
        #expect(try JSONValueEncoder().encode(nil as String?) == .null)
    }

    struct Integers: Encodable {
        var u64 = UInt64.max
        var i64 = Int64.min
        var int = Int.max
        var u8 = UInt8.max
        var i8 = Int8.min
        var u32s: [UInt32] = [0, .max]
    }

    @Test func integersAreExact() throws {
        #expect(
            try JSONValueEncoder().encode(Integers()).serialized()
                == #"{"u64":18446744073709551615,"i64":-9223372036854775808,"int":9223372036854775807,"u8":255,"i8":-128,"u32s":[0,4294967295]}"#
        )
        #expect(try JSONValueEncoder().encode(UInt64.max).number?.uint64 == .max)
    }

    @Test func doublesAreTheirShortestRoundTripText() throws {
        let cases: [(Double, String)] = [
            (0.1, "0.1"), (2458.0, "2458.0"), (1e-9, "1e-09"), (0.0236750651607298, "0.0236750651607298"), (-0.0, "-0.0"),
            (.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.9990000000000001, "0.9990000000000001"),
        ]
        for (double, text) in cases {
            let number = try #require(try JSONValueEncoder().encode(double).number, "\(double)")
            #expect(number.text == text)
            #expect(number.double == double)
        }
        #expect(try JSONValueEncoder().encode(Float(0.1)).number?.text == "0.1")
        #expect(try JSONValueEncoder().encode([Double.nan, .infinity, -.infinity]).serialized() == "[null,null,null]")
        #expect(try JSONValueEncoder().encode(Float.nan) == .null)
    }

    struct Raw: Encodable {
        var raw: JSONValue
        var number: JSONNumber
    }

    @Test func jsonValuesKeepTheirLiteralsAndOrder() throws {
        let text = #"{"b":1E-6,"a":18446744073709551616,"é":1,"e\u0301":2,"n":null,"list":[1.50,true,"x",{}]}"#
        let parsed = try JSONParser().parse(Array(text.utf8))
        let number = try #require(parsed.object?["a"]?.number)
        let value = try JSONValueEncoder().encode(Raw(raw: parsed, number: number))
        #expect(value.object?["raw"] == parsed)
        #expect(value.object?["number"]?.number?.text == "18446744073709551616")
        #expect(value.object?["raw"]?.object?.keys.count == 6)
        #expect(value.serialized() == "{\"raw\":\(parsed.serialized()),\"number\":18446744073709551616}")
    }

    /// Written by hand with every kind of container, recording the coding path it sees.
    struct HandWritten: Encodable {
        enum Key: String, CodingKey { case nested, list, base }
        enum NestedKey: String, CodingKey { case leaf }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            var nested = container.nestedContainer(keyedBy: NestedKey.self, forKey: .nested)
            try nested.encodeNil(forKey: .leaf)
            var list = container.nestedUnkeyedContainer(forKey: .list)
            try list.encode("first")
            var inner = list.nestedUnkeyedContainer()
            try inner.encode(PathRecorder())
            var keyed = list.nestedContainer(keyedBy: NestedKey.self)
            try keyed.encode(Int16(-1), forKey: .leaf)
            var element = list.superEncoder().singleValueContainer()
            try element.encode(PathRecorder())
            #expect(list.count == 4)
            var base = container.superEncoder(forKey: .base).singleValueContainer()
            try base.encode(true)
            var superValue = container.superEncoder().singleValueContainer()
            try superValue.encode(PathRecorder())
        }
    }

    /// Encodes the coding path it is encoded at, as one string.
    struct PathRecorder: Encodable {
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(encoder.codingPath.map(\.stringValue).joined(separator: "/"))
        }
    }

    @Test func handWrittenContainersAndCodingPaths() throws {
        #expect(
            try JSONValueEncoder().encode(HandWritten()).serialized()
                == #"{"nested":{"leaf":null},"list":["first",["list/Index 1/Index 0"],{"leaf":-1},"list/Index 3"],"base":true,"super":"super"}"#
        )
    }

    struct Nothing: Encodable {
        func encode(to encoder: any Encoder) throws {}
    }

    @Test func aValueThatEncodesNothingIsAnEmptyObject() throws {
        #expect(try JSONValueEncoder().encode(Nothing()).serialized() == "{}")
        #expect(try JSONValueEncoder().encode([Nothing()]).serialized() == "[{}]")
    }

    @Test func otherEncodersGetExactIntegersAndNearestDoubles() throws {
        let value = try JSONParser().parse(Array(#"{"u":18446744073709551615,"i":-5,"d":1.50,"s":"x","n":null,"a":[true]}"#.utf8))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        #expect(text == #"{"a":[true],"d":1.5,"i":-5,"n":null,"s":"x","u":18446744073709551615}"#)
    }
}
