import CkptTestSupport
import Foundation
import Testing

@testable import CkptEngine

/// Checks `CausalAttention` on its own against the numpy references in `Samples/kernels/attention.f32`
/// (`Scripts/make_kernel_fixtures.py`: transformers' eager_attention_forward in float64, with repeat_kv,
/// the gemma2 soft-cap `cap·tanh(s/cap)` before the mask, and the sliding window of transformers'
/// masking_utils: query i sees keys j with i − window < j ≤ i). Negative checks show that a window off
/// by one, a missing soft-cap and the other grouped-query head mapping each fail the same comparison.
///
/// Tolerance: 5e-6 absolute on outputs up to ~3 (measured worst 1.5e-6, on the soft-capped case whose
/// scores reach ~40). Each score is a float dot product over head_dim ≤ 8, whose absolute error (about
/// 1e-6 at such magnitudes) softmax passes on as a relative error of the probabilities; the output mixes
/// them with values of O(1). The wrong variants in the negative checks move outputs by 0.04 or more.
@Suite struct AttentionKernelTests {
    static let atol: Float = 5e-6

    @Test(
        "causal attention matches transformers' eager attention (mask, window, soft-cap, GQA)",
        arguments: AttentionFixtures.caseNames)
    func attention(case name: String) throws {
        let f = try AttentionFixtures.load(name)
        let actual = try f.run()
        expectClose(actual, try f.array("expected"), atol: Self.atol, "attention/\(name)")
    }

    /// With window 1 every token attends only to itself: softmax of one score is exactly 1, so the
    /// output is the token's own value row of the head's group, bit for bit.
    @Test("window 1: each token's output is its own value row")
    func windowOneIsIdentityOnValues() throws {
        let f = try AttentionFixtures.load("window1-self-only")
        let p = f.spec
        try #require(p.window == 1)
        let v = try f.array("v")
        let actual = try f.run()
        let group = p.heads / p.kvHeads
        for i in 0..<p.tokens {
            for h in 0..<p.heads {
                let out = actual[((i * p.heads + h) * p.headDim)...].prefix(p.headDim)
                let own = v[((i * p.kvHeads + h / group) * p.headDim)...].prefix(p.headDim)
                #expect(Array(out) == Array(own), "token \(i) head \(h)")
            }
        }
    }

    /// Causality: changing the last token's key and value leaves every earlier output bit-identical.
    @Test("causal mask: the last token's key and value do not reach earlier tokens")
    func futureTokensAreMasked() throws {
        for name in AttentionFixtures.caseNames {
            let f = try AttentionFixtures.load(name)
            let p = f.spec
            var k = try f.array("k")
            var v = try f.array("v")
            let before = try f.run()
            let lastRow = (p.tokens - 1) * p.kvHeads * p.headDim
            for i in lastRow..<k.count {
                k[i] = -3 * k[i] + 1
                v[i] = 5 * v[i] - 2
            }
            let after = try f.run(k: k, v: v)
            let earlier = (p.tokens - 1) * p.heads * p.headDim
            #expect(before[..<earlier].map(\.bitPattern) == after[..<earlier].map(\.bitPattern), "attention/\(name)")
            #expect(before[earlier...] != after[earlier...], "attention/\(name): the last token's own output did not change")
        }
    }

    @Test("window: one key more or less, or no window, is caught")
    func windowNegatives() throws {
        let windowed = try AttentionFixtures.caseNames.map(AttentionFixtures.load).filter {
            if let w = $0.spec.window { return w > 1 && w < $0.spec.tokens } else { return false }
        }
        try #require(windowed.count >= 2)
        for f in windowed {
            let window = try #require(f.spec.window)
            let expected = try f.array("expected")
            for (label, wrong) in [("window + 1", window + 1), ("window - 1", window - 1), ("no window", nil)] as [(String, Int?)] {
                expectDiffers(try f.run(window: .some(wrong)), expected, atol: Self.atol, "attention/\(f.spec.name) with \(label)")
            }
        }
    }

    @Test("soft-cap: attention without the cap is caught")
    func softcapNegative() throws {
        let capped = try AttentionFixtures.caseNames.map(AttentionFixtures.load).filter { $0.spec.softcap != nil }
        try #require(!capped.isEmpty)
        for f in capped {
            expectDiffers(
                try f.run(softcap: .some(nil)), try f.array("expected"), atol: Self.atol, "attention/\(f.spec.name) without soft-cap")
        }
    }

    /// Grouped-query head mapping through repeat_kv: expanding k and v to one head per query head with
    /// `h / (heads/kvHeads)` and running as multi-head attention reproduces the reference; the other
    /// plausible mapping, `h % kvHeads`, does not.
    @Test("GQA: query head h reads kv head h / group, not h % kvHeads")
    func groupedQueryMapping() throws {
        let grouped = try AttentionFixtures.caseNames.map(AttentionFixtures.load).filter {
            $0.spec.kvHeads < $0.spec.heads && $0.spec.kvHeads > 1
        }
        try #require(!grouped.isEmpty)
        for f in grouped {
            let p = f.spec
            let expected = try f.array("expected")
            let group = p.heads / p.kvHeads
            let (k, v) = (try f.array("k"), try f.array("v"))
            func expanded(_ x: [Float], _ source: (Int) -> Int) -> [Float] {
                (0..<p.tokens).flatMap { i in
                    (0..<p.heads).flatMap { h in x[((i * p.kvHeads + source(h)) * p.headDim)...].prefix(p.headDim) }
                }
            }
            let right = try f.run(k: expanded(k) { $0 / group }, v: expanded(v) { $0 / group }, kvHeads: p.heads)
            expectClose(right, expected, atol: Self.atol, "attention/\(p.name) through repeat_kv")
            let wrong = try f.run(k: expanded(k) { $0 % p.kvHeads }, v: expanded(v) { $0 % p.kvHeads }, kvHeads: p.heads)
            expectDiffers(wrong, expected, atol: Self.atol, "attention/\(p.name) with kv head h % kvHeads")
        }
    }
}

// MARK: - Samples/kernels attention cases

/// One `attention` case of `Samples/kernels/manifest.json` (the other kernels are read by
/// CkptKernelsTests' KernelReferenceTests, which also checks the files' SHA-256s).
struct AttentionCase: Decodable, Sendable {
    struct ArrayReference: Decodable, Sendable {
        var offset: Int
        var shape: [Int]
        var count: Int { shape.reduce(1, *) }
    }

    var name: String
    var tokens: Int
    var heads: Int
    var kvHeads: Int
    var headDim: Int
    var scale: Double
    var softcap: Double?
    var window: Int?
    var arrays: [String: ArrayReference]
}

struct AttentionFixture {
    var spec: AttentionCase
    var values: [Float]

    func array(_ key: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Float] {
        let ref = try #require(spec.arrays[key], "attention/\(spec.name) has no array \(key)", sourceLocation: sourceLocation)
        try #require(
            ref.offset >= 0 && ref.offset + ref.count <= values.count,
            "attention/\(spec.name).\(key) lies outside the file", sourceLocation: sourceLocation)
        return Array(values[ref.offset..<(ref.offset + ref.count)])
    }

    /// `CausalAttention` on the fixture's q, with its k/v or replacements, and its parameters unless
    /// overridden (`.some(nil)` removes the window or soft-cap).
    func run(k: [Float]? = nil, v: [Float]? = nil, kvHeads: Int? = nil, window: Int?? = nil, softcap: Float?? = nil) throws -> [Float] {
        let p = spec
        let q = try array("q")
        let (k, v) = (try k ?? array("k"), try v ?? array("v"))
        let kvHeads = kvHeads ?? p.kvHeads
        try #require(q.count == p.tokens * p.heads * p.headDim && k.count == p.tokens * kvHeads * p.headDim && v.count == k.count)
        let attention = CausalAttention(
            heads: p.heads, kvHeads: kvHeads, headDim: p.headDim, scale: Float(p.scale),
            softcap: softcap ?? p.softcap.map(Float.init), window: window ?? p.window)
        return attention.apply(q: q, k: k, v: v, positions: Array(0..<p.tokens))
    }
}

enum AttentionFixtures {
    /// Only `kernels.attention` of the manifest; the other kernels' entries are not decoded.
    private struct Manifest: Decodable {
        struct Kernel: Decodable {
            var file: String
            var cases: [AttentionCase]
        }

        struct Kernels: Decodable {
            var attention: Kernel
        }

        var kernels: Kernels
    }

    private static func attentionKernel() throws -> Manifest.Kernel {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Manifest.self, from: Samples.data("kernels/manifest.json")).kernels.attention
    }

    /// For the argument lists, which cannot `#require`: empty if the manifest does not load, which
    /// `fixturesLoad` then reports.
    static let caseNames: [String] = (try? attentionKernel().cases.map(\.name)) ?? []

    static func load(_ name: String) throws -> AttentionFixture {
        let kernel = try attentionKernel()
        let spec = try #require(kernel.cases.first { $0.name == name }, "no attention case \(name)")
        let data = try Samples.data("kernels/\(kernel.file)")
        try #require(data.count % 4 == 0)
        let values = data.withUnsafeBytes { bytes in
            (0..<(data.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
        return AttentionFixture(spec: spec, values: values)
    }
}

extension AttentionKernelTests {
    @Test("attention fixtures load and cover GQA, MQA, window and soft-cap")
    func fixturesLoad() throws {
        let cases = try AttentionFixtures.caseNames.map(AttentionFixtures.load).map(\.spec)
        try #require(cases.count >= 4)
        #expect(cases.contains { $0.kvHeads == $0.heads })
        #expect(cases.contains { $0.kvHeads == 1 && $0.heads > 1 })
        #expect(cases.contains { $0.kvHeads > 1 && $0.kvHeads < $0.heads })
        #expect(cases.contains { $0.window != nil && $0.softcap != nil })
        #expect(cases.contains { ($0.window ?? 0) > $0.tokens })
    }
}

private func expectClose(
    _ actual: [Float], _ expected: [Float], atol: Float, _ label: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record("\(label): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    let mismatch = firstMismatch(actual, expected, atol: atol)
    #expect(mismatch == nil, "\(label): \(mismatch.map(String.init(describing:)) ?? "")", sourceLocation: sourceLocation)
}

private func expectDiffers(
    _ actual: [Float], _ expected: [Float], atol: Float, _ label: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "\(label)", sourceLocation: sourceLocation)
    #expect(firstMismatch(actual, expected, atol: atol) != nil, "\(label) was not caught", sourceLocation: sourceLocation)
}
