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

/// A small deterministic generator for test inputs.
private struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }
}

/// SHA-256 (FIPS 180-4), enough to check fixture hashes without a crypto dependency.
private enum SHA256 {
    static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    static func hex(_ data: Data) -> String {
        var message = [UInt8](data)
        let bitLength = UInt64(message.count) * 8
        message.append(0x80)
        while message.count % 64 != 56 { message.append(0) }
        message += withUnsafeBytes(of: bitLength.bigEndian, Array.init)
        var h: [UInt32] = [
            0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
        ]
        var w = [UInt32](repeating: 0, count: 64)
        for chunk in stride(from: 0, to: message.count, by: 64) {
            for t in 0..<16 {
                w[t] = message[chunk + 4 * t..<chunk + 4 * t + 4].reduce(0) { $0 << 8 | UInt32($1) }
            }
            for t in 16..<64 {
                let s0 = w[t - 15].rotr(7) ^ w[t - 15].rotr(18) ^ (w[t - 15] >> 3)
                let s1 = w[t - 2].rotr(17) ^ w[t - 2].rotr(19) ^ (w[t - 2] >> 10)
                w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
            for t in 0..<64 {
                let t1 = hh &+ (e.rotr(6) ^ e.rotr(11) ^ e.rotr(25)) &+ ((e & f) ^ (~e & g)) &+ k[t] &+ w[t]
                let t2 = (a.rotr(2) ^ a.rotr(13) ^ a.rotr(22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            for (i, v) in [a, b, c, d, e, f, g, hh].enumerated() { h[i] &+= v }
        }
        return h.map { String(format: "%08x", $0) }.joined()
    }
}

extension UInt32 {
    fileprivate func rotr(_ n: UInt32) -> UInt32 { self >> n | self << (32 - n) }
}
