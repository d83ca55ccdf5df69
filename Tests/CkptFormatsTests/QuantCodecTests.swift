import CkptFormats
import CkptTestSupport
import Foundation
import Testing

/// Checks GGMLType, the scalar float conversions and GGMLCodec bit for bit against the gguf-py / numpy /
/// ml_dtypes reference data in `Samples/quants` (written by `Scripts/make_quant_fixtures.py`).
@Suite("GGML quant codec")
struct QuantCodecTests {
    static let dequantizable = GGMLType.allCases.filter(\.canDequantize)
    static let quantizable = GGMLType.allCases.filter(\.canQuantize)

    // MARK: Codec against gguf-py

    @Test("dequantize matches gguf-py bit for bit", arguments: dequantizable)
    func dequantizeMatchesReference(type: GGMLType) throws {
        let blocks = try fixture("\(type.name).blocks")
        let expected = try fixtureFloats("\(type.name).f32")
        #expect(type.byteCount(elements: expected.count) == blocks.count)
        // Decode from an odd address so every multi-byte field is read unaligned.
        var shifted = [UInt8](repeating: 0, count: blocks.count + 1)
        shifted.replaceSubrange(1..., with: blocks)
        var actual = [Float](repeating: .nan, count: expected.count)
        try shifted.withUnsafeBytes { bytes in
            try actual.withUnsafeMutableBufferPointer { out in
                try GGMLCodec.dequantize(type, UnsafeRawBufferPointer(rebasing: bytes[1...]), into: out)
            }
        }
        #expect(bitMismatch(actual, expected) == nil, "\(type.name)")
    }

    @Test("quantize matches gguf-py byte for byte", arguments: [GGMLType.f16, .bf16, .q8_0])
    func quantizeMatchesReference(type: GGMLType) throws {
        let input = try fixtureFloats("\(type.name).input.f32")
        let expected = [UInt8](try fixture("\(type.name).quantized"))
        let actual = try encode(type, input)
        let wrong = zip(actual, expected).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        #expect(actual.count == expected.count)
        let first = wrong.first ?? 0
        #expect(
            wrong.count == 0,
            "\(type.name): \(wrong.count) bytes differ, first at byte \(first) (block \(first / type.typeSize))"
        )
    }

    @Test("F32 quantize and dequantize keep every bit")
    func f32IsIdentity() throws {
        let input = try fixtureFloats("scalars.f32.input.f32")
        let bytes = try encode(.f32, input)
        #expect(bytes == input.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
        #expect(try decode(.f32, bytes, count: input.count).map(\.bitPattern) == input.map(\.bitPattern))
    }

    @Test("Q8_0 round trip stays within half a step", arguments: [Float(1e-3), 1, 1e4])
    func q8_0RoundTrip(scale: Float) throws {
        var generator = SplitMix64(seed: 7)
        let input = (0..<1024).map { _ in Float(generator.nextUnit() * 2 - 1) * scale }
        let decoded = try decode(.q8_0, try encode(.q8_0, input), count: input.count)
        for block in 0..<input.count / 32 {
            let range = 32 * block..<32 * block + 32
            let amax = input[range].map(\.magnitude).max() ?? 0
            // q = round(x/d) uses the f32 d, decoding uses d rounded to f16.
            let d = amax / 127
            let stored = Float(halfBits: d.halfBits)
            let bound = d * 0.5 + 127 * abs(stored - d) + amax * 1e-6
            for i in range {
                #expect(abs(decoded[i] - input[i]) <= bound, "element \(i)")
            }
        }
    }

    // MARK: Scalar conversions

    @Test("all 65536 binary16 patterns decode like numpy")
    func halfDecode() throws {
        let expected = try fixtureFloats("scalars.f16-to-f32.f32")
        let actual = (0...UInt16.max).map { Float(halfBits: $0) }
        #expect(bitMismatch(actual, expected) == nil)
        // numpy keeps NaN payloads; so does the decoder.
        #expect(actual.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test("f32 → binary16 rounds like numpy (ties, subnormals, overflow, NaN payloads)")
    func halfEncode() throws {
        let input = try fixtureFloats("scalars.f32.input.f32")
        let expected = try fixtureU16("scalars.f32-to-f16.u16")
        let wrong = input.indices.filter { input[$0].halfBits != expected[$0] }
        #expect(
            wrong.count == 0,
            "\(wrong.count) differ; first \(describeHalf(wrong.first, input, expected, \.halfBits))")
    }

    @Test("f32 → bfloat16 follows the ggml rule; bfloat16 → f32 is exact")
    func bfloat16() throws {
        let input = try fixtureFloats("scalars.f32.input.f32")
        let expected = try fixtureU16("scalars.f32-to-bf16.u16")
        let wrong = input.indices.filter { input[$0].bfloat16Bits != expected[$0] }
        #expect(
            wrong.count == 0,
            "\(wrong.count) differ; first \(describeHalf(wrong.first, input, expected, \.bfloat16Bits))")
        #expect((0...UInt16.max).allSatisfy { Float(bfloat16Bits: $0).bitPattern == UInt32($0) << 16 })
    }

    @Test("float8 patterns decode like ml_dtypes", arguments: ["e4m3", "e5m2"])
    func float8(name: String) throws {
        let expected = try fixtureFloats("scalars.\(name)-to-f32.f32")
        let actual = (0...UInt8.max).map { name == "e4m3" ? Float(e4m3Bits: $0) : Float(e5m2Bits: $0) }
        #expect(bitMismatch(actual, expected) == nil, "\(name)")
    }

    // MARK: Fixtures and type table

    @Test("manifest SHA-256s and sizes match the fixture files")
    func manifestHashes() throws {
        let files = try #require(try manifest()["files"] as? [String: [String: Any]])
        #expect(files.count >= 60)
        for (name, entry) in files.sorted(by: { $0.key < $1.key }) {
            let data = try fixture(name)
            #expect(entry["size"] as? Int == data.count, "\(name) size")
            #expect(entry["sha256"] as? String == SHA256.hex(data), "\(name) sha256")
        }
    }

    @Test("every dequantizable type has fixtures, and the fixtures name no other type")
    func manifestCoversCodec() throws {
        let covered = try #require(try manifest()["dequantize"] as? [String: Any])
        #expect(Set(covered.keys) == Set(Self.dequantizable.map(\.name)))
    }

    @Test("ids, names and sizes agree with gguf-py's GGML_QUANT_SIZES")
    func typeTable() throws {
        let rows = try #require(try manifest()["types"] as? [[Any]])
        for row in rows {
            let id = try #require(row[0] as? Int)
            let name = try #require(row[1] as? String)
            let type = try #require(GGMLType(rawValue: UInt32(id)), "\(name)")
            #expect(type.name == name)
            #expect(type.blockSize == row[2] as? Int, "\(name) block size")
            // gguf-py 0.19 still lists Q8_1 with f32 d and s (40 B); ggml's block_q8_1 has two f16s (36 B).
            if type != .q8_1 { #expect(type.typeSize == row[3] as? Int, "\(name) type size") }
        }
        #expect(GGMLType.q8_1.typeSize == 36)
        #expect(GGMLType.q2_0.blockSize == 64 && GGMLType.q2_0.typeSize == 18)
    }

    @Test("removed and unknown ids have no case; names round-trip")
    func rawValues() {
        for id: UInt32 in [4, 5, 31, 32, 33, 36, 37, 38, 43, 44, 1000, .max] {
            #expect(GGMLType(rawValue: id) == nil, "id \(id)")
        }
        #expect(GGMLType.allCases.count == 35)
        for type in GGMLType.allCases {
            #expect(GGMLType.named(type.name) == type)
            #expect(type.description == type.name)
            #expect(type.isQuantized == (type.blockSize > 1))
        }
        #expect(GGMLType.named("q4_k") == nil)
        #expect(GGMLType.named("Q4_K") == .q4_K)
        #expect(GGMLType.iq2_xxs.name == "IQ2_XXS" && GGMLType.bf16.name == "BF16")
    }

    @Test("byteCount rejects negatives, partial blocks and overflow")
    func byteCount() {
        #expect(GGMLType.q4_0.byteCount(elements: 64) == 36)
        #expect(GGMLType.q4_K.byteCount(elements: 512) == 288)
        #expect(GGMLType.f32.byteCount(elements: 3) == 12)
        #expect(GGMLType.f32.byteCount(elements: 0) == 0)
        #expect(GGMLType.q4_0.byteCount(elements: 33) == nil)
        #expect(GGMLType.q4_0.byteCount(elements: -32) == nil)
        // Only types with more than one byte per element can overflow; Q4_0 takes 18/32 of a byte each.
        #expect(GGMLType.q4_0.byteCount(elements: 1 << 62) == (1 << 57) * 18)
        #expect(GGMLType.f32.byteCount(elements: 1 << 62) == nil)
        #expect(GGMLType.f16.byteCount(elements: 1 << 62) == nil)
        #expect(GGMLType.f16.byteCount(elements: (1 << 62) - 1) == Int.max - 1)
        #expect(GGMLType.f64.byteCount(elements: Int.max / 4) == nil)
        #expect(GGMLType.i8.byteCount(elements: .max) == .max)
    }

    // MARK: Errors

    @Test(
        "types without a decoder throw .unsupported naming them",
        arguments: GGMLType.allCases.filter { !$0.canDequantize })
    func unsupportedDequantize(type: GGMLType) {
        let src = [UInt8](repeating: 0, count: type.typeSize)
        var dst = [Float](repeating: 0, count: type.blockSize)
        let error = #expect(throws: QuantError.self) {
            try src.withUnsafeBytes { bytes in
                try dst.withUnsafeMutableBufferPointer { try GGMLCodec.dequantize(type, bytes, into: $0) }
            }
        }
        #expect(error == .unsupported(type, operation: "dequantizing"))
        #expect(error?.description == "dequantizing \(type.name) is not supported")
    }

    @Test(
        "types without an encoder throw .unsupported naming them",
        arguments: GGMLType.allCases.filter { !$0.canQuantize })
    func unsupportedQuantize(type: GGMLType) {
        let error = #expect(throws: QuantError.self) {
            _ = try encode(type, [Float](repeating: 0, count: type.blockSize))
        }
        #expect(error == .unsupported(type, operation: "quantizing"))
        #expect(error?.description.contains(type.name) == true)
    }

    @Test("element counts that are not block multiples throw")
    func notBlockMultiple() {
        #expect(throws: QuantError.notBlockMultiple(elements: 31, type: .q4_0)) {
            _ = try decode(.q4_0, [UInt8](repeating: 0, count: 18), count: 31)
        }
        #expect(throws: QuantError.notBlockMultiple(elements: 100, type: .q8_0)) {
            _ = try encode(.q8_0, [Float](repeating: 1, count: 100))
        }
    }

    @Test("byte buffers of the wrong size throw .sizeMismatch")
    func sizeMismatch() {
        #expect(throws: QuantError.sizeMismatch(expected: 36, found: 35)) {
            _ = try decode(.q4_0, [UInt8](repeating: 0, count: 35), count: 64)
        }
        #expect(throws: QuantError.sizeMismatch(expected: 8, found: 6)) {
            _ = try decode(.f16, [UInt8](repeating: 0, count: 6), count: 4)
        }
        #expect(throws: QuantError.sizeMismatch(expected: 68, found: 69)) {
            var out = [UInt8](repeating: 0, count: 69)
            try [Float](repeating: 0, count: 64).withUnsafeBufferPointer { src in
                try out.withUnsafeMutableBytes { try GGMLCodec.quantize(.q8_0, src, into: $0) }
            }
        }
    }

    @Test("empty buffers are accepted", arguments: dequantizable)
    func empty(type: GGMLType) throws {
        #expect(try decode(type, [], count: 0).isEmpty)
        if type.canQuantize { #expect(try encode(type, []).isEmpty) }
    }
}

// MARK: - Helpers

private func fixture(_ name: String) throws -> Data {
    try Samples.data("quants/\(name)")
}

private func fixtureFloats(_ name: String) throws -> [Float] {
    let data = try fixture(name)
    return stride(from: 0, to: data.count, by: 4).map { offset in
        data.withUnsafeBytes {
            Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        }
    }
}

private func fixtureU16(_ name: String) throws -> [UInt16] {
    let data = try fixture(name)
    return stride(from: 0, to: data.count, by: 2).map { offset in
        data.withUnsafeBytes { UInt16(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
    }
}

private func manifest() throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: fixture("manifest.json")) as? [String: Any])
}

private func decode(_ type: GGMLType, _ bytes: [UInt8], count: Int) throws -> [Float] {
    var out = [Float](repeating: .nan, count: count)
    try bytes.withUnsafeBytes { src in
        try out.withUnsafeMutableBufferPointer { try GGMLCodec.dequantize(type, src, into: $0) }
    }
    return out
}

private func encode(_ type: GGMLType, _ values: [Float]) throws -> [UInt8] {
    var out = [UInt8](repeating: 0xA5, count: type.byteCount(elements: values.count) ?? type.typeSize)
    try values.withUnsafeBufferPointer { src in
        try out.withUnsafeMutableBytes { try GGMLCodec.quantize(type, src, into: $0) }
    }
    return out
}

/// nil if the arrays are equal bit for bit (any NaN equals any NaN); otherwise the mismatch count and the
/// worst index (largest |difference|, NaN or infinity mismatches first).
private func bitMismatch(_ actual: [Float], _ expected: [Float]) -> String? {
    guard actual.count == expected.count else { return "length \(actual.count) vs \(expected.count)" }
    var count = 0
    var worst: (index: Int, difference: Float)?
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        if a.bitPattern == e.bitPattern || (a.isNaN && e.isNaN) { continue }
        count += 1
        let difference = a.isFinite && e.isFinite ? abs(a - e) : .infinity
        if worst == nil || difference > worst!.difference { worst = (i, difference) }
    }
    guard let worst else { return nil }
    let (a, e) = (actual[worst.index], expected[worst.index])
    return "\(count) of \(actual.count) differ; worst at index \(worst.index): got \(a) "
        + "(0x\(String(a.bitPattern, radix: 16))), expected \(e) (0x\(String(e.bitPattern, radix: 16)))"
}

private func describeHalf(
    _ index: Int?, _ input: [Float], _ expected: [UInt16], _ convert: (Float) -> UInt16
) -> String {
    guard let index else { return "none" }
    let x = input[index]
    return "index \(index): \(x) (0x\(String(x.bitPattern, radix: 16))) → 0x\(String(convert(x), radix: 16)), "
        + "expected 0x\(String(expected[index], radix: 16))"
}
