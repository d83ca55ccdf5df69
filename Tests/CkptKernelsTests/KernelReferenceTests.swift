import CkptFormats
import CkptKernels
import CkptTestSupport
import Foundation
import Testing

/// Checks each kernel in CkptKernels on its own against numpy references in `Samples/kernels` (written
/// by `Scripts/make_kernel_fixtures.py` from transformers' definitions, in float64 rounded once to
/// float32), so a broken piece fails the test that names it. Each family also has a negative check: a
/// plausible wrong variant (the other RoPE pairing, a missing `+1`, the other GELU, ...) must NOT pass
/// the same comparison, which shows the tolerances are tight enough to tell them apart.
///
/// Tolerances (`|actual − expected| ≤ atol + rtol·|expected|`; a float32 ulp is 6e-8…1.2e-7 relative), with
/// the worst error measured on these fixtures:
/// - RMSNorm 1e-6 relative (measured 1.3e-7): the output is a product, x · scale · (offset + w).
/// - LayerNorm 1e-6 relative + 1e-6 absolute (measured 2.4e-7 absolute): `x̂·w + b` cancels where the
///   output is near zero, so the error is relative to |x̂·w| + |b| (O(1) here), not to the output.
/// - RoPE 2e-6 absolute on O(1) inputs (measured 2.4e-7): cos/sin of the same float32 angle, two
///   products and a sum. The angles are identical by construction (the fixture's float32 inverse
///   frequencies, `position · θ` rounded once to float32 on both sides), so position 8191 is as tight as 1.
/// - RoPE frequencies 1e-6 relative (measured 2.2e-7, 3 ulps): transformers rounds the exponent `2j/R` to
///   float32 and raises in float32, the kernel raises in float64 and rounds; they differ by a few ulps
///   when R is not a power of two or the base is not 1e4.
/// - Soft-cap 1e-6 relative (measured 1.9e-7): x/c, tanhf, ·c.
/// - SiLU 1e-6 relative (measured 1.1e-7). Both GELUs 1e-6 relative + 1e-6 absolute (measured 4.8e-7
///   absolute): `1 + erf(x/√2)` and `1 + tanh(…)` cancel for negative x, where torch and the kernel alike
///   compute in float32 and lose up to ½·|x|·2 ulp(1) ≈ 6e-7 at |x| = 10.
/// - Softmax 2e-6 relative + 1e-9 absolute (measured 7.2e-7 relative, width 37): expf per entry and a
///   float sum over at most 37 entries; masked (−inf) entries are exactly 0.
@Suite struct KernelReferenceTests {
    // MARK: Normalization

    @Test("RMSNorm matches x·rsqrt(mean(x²)+eps)·(offset+w)", arguments: KernelFixtures.caseNames("rms"))
    func rmsNorm(case name: String) throws {
        let f = try KernelFixtures.load("rms", name)
        let (rows, width) = (try #require(f.spec.rows), try #require(f.spec.width))
        let x = try f.array("x")
        let expected = try f.array("expected")
        let actual = rms(
            x, rows: rows, width: width, weight: try f.optionalArray("weight"),
            offset: Float(try #require(f.spec.weightOffset)), eps: Float(try #require(f.spec.eps)))
        expectClose(actual, expected, atol: 0, rtol: 1e-6, "rms/\(name)")
        // `out` may alias `x`: in place gives the very same bits.
        var inPlace = x
        let weight = try f.optionalArray("weight")
        inPlace.withUnsafeMutableBufferPointer { p in
            withOptionalPointer(weight) { w in
                Normalization.rms(
                    p.baseAddress!, into: p.baseAddress!, rows: rows, width: width, weight: w,
                    weightOffset: Float(f.spec.weightOffset ?? 0), eps: Float(f.spec.eps ?? 0))
            }
        }
        #expect(inPlace.map(\.bitPattern) == actual.map(\.bitPattern), "rms/\(name) in place")
    }

    @Test("LayerNorm matches (x−mean)/sqrt(var+eps)·w+b", arguments: KernelFixtures.caseNames("layer"))
    func layerNorm(case name: String) throws {
        let f = try KernelFixtures.load("layer", name)
        let (rows, width) = (try #require(f.spec.rows), try #require(f.spec.width))
        let actual = layer(
            try f.array("x"), rows: rows, width: width, weight: try f.optionalArray("weight"),
            bias: try f.optionalArray("bias"), eps: Float(try #require(f.spec.eps)))
        expectClose(actual, try f.array("expected"), atol: 1e-6, rtol: 1e-6, "layer/\(name)")
    }

    /// The gemma `(1+w)` offset, eps inside the root, the bias, and the mean subtraction each matter
    /// beyond the tolerance.
    @Test("norms: a wrong offset, eps, bias or centering is caught")
    func normalizationNegatives() throws {
        for name in ["gemma-offset-3x24", "gemma-offset-odd-4x19"] {
            let f = try KernelFixtures.load("rms", name)
            let (rows, width) = (try #require(f.spec.rows), try #require(f.spec.width))
            let plain = rms(
                try f.array("x"), rows: rows, width: width, weight: try f.array("weight"),
                offset: 0, eps: Float(try #require(f.spec.eps)))
            expectDiffers(plain, try f.array("expected"), atol: 0, rtol: 1e-6, "rms/\(name) without the +1 offset")
        }
        let small = try KernelFixtures.load("rms", "eps-dominated-2x33")
        let noEps = rms(
            try small.array("x"), rows: try #require(small.spec.rows), width: try #require(small.spec.width),
            weight: try small.array("weight"), offset: 0, eps: 0)
        expectDiffers(noEps, try small.array("expected"), atol: 0, rtol: 1e-6, "rms/eps-dominated without eps")

        for name in ["bias-4x16", "bias-odd-3x45", "far-mean-3x33"] {
            let f = try KernelFixtures.load("layer", name)
            let (rows, width) = (try #require(f.spec.rows), try #require(f.spec.width))
            let eps = Float(try #require(f.spec.eps))
            let noBias = layer(try f.array("x"), rows: rows, width: width, weight: try f.array("weight"), bias: nil, eps: eps)
            expectDiffers(noBias, try f.array("expected"), atol: 1e-6, rtol: 1e-6, "layer/\(name) without bias")
        }
        let far = try KernelFixtures.load("layer", "far-mean-3x33")
        var uncentered = rms(
            try far.array("x"), rows: try #require(far.spec.rows), width: try #require(far.spec.width),
            weight: try far.array("weight"), offset: 0, eps: Float(try #require(far.spec.eps)))
        let bias = try far.array("bias")
        for i in uncentered.indices { uncentered[i] += bias[i % bias.count] }
        expectDiffers(uncentered, try far.array("expected"), atol: 1e-6, rtol: 1e-6, "layer/far-mean through RMSNorm")
    }

    // MARK: Rotary embedding

    @Test(
        "RoPE rotates like transformers (neox rotate_half, interleaved rotate_every_two, partial)",
        arguments: KernelFixtures.caseNames("rope"))
    func rotaryEmbedding(case name: String) throws {
        let f = try KernelFixtures.load("rope", name)
        let actual = try rope(f, pairing: try f.pairing())
        expectClose(actual, try f.array("expected"), atol: 2e-6, rtol: 0, "rope/\(name)")
        // The dimensions past rotary_dim pass through untouched.
        let x = try f.array("x")
        let (headDim, rotaryDim) = (try #require(f.spec.headDim), try #require(f.spec.rotaryDim))
        let passed = actual.indices.filter { $0 % headDim >= rotaryDim }
        #expect(passed.allSatisfy { actual[$0].bitPattern == x[$0].bitPattern }, "rope/\(name) pass-through")
    }

    @Test("RoPE inverse frequencies match transformers' float32 base^(−2j/R)", arguments: KernelFixtures.caseNames("rope"))
    func rotaryFrequencies(case name: String) throws {
        let f = try KernelFixtures.load("rope", name)
        let frequencies = RotaryEmbedding.standardFrequencies(
            base: try #require(f.spec.base), dimensions: try #require(f.spec.rotaryDim))
        expectClose(frequencies.map(Float.init), try f.array("inv_freq"), atol: 0, rtol: 1e-6, "rope/\(name) inv_freq")
    }

    /// The other pairing, a full-width rotation of a partial case, and positions off by one each fail.
    @Test("RoPE: the other pairing, a full rotation or shifted positions is caught")
    func rotaryNegatives() throws {
        for name in KernelFixtures.caseNames("rope") {
            let f = try KernelFixtures.load("rope", name)
            let expected = try f.array("expected")
            let other: RotaryEmbedding.Pairing = try f.pairing() == .half ? .adjacent : .half
            expectDiffers(try rope(f, pairing: other), expected, atol: 2e-6, rtol: 0, "rope/\(name) with \(other) pairing")
            let shifted = try rope(f, pairing: try f.pairing(), positions: try #require(f.spec.positions).map { $0 + 1 })
            expectDiffers(shifted, expected, atol: 2e-6, rtol: 0, "rope/\(name) at positions + 1")
            let (headDim, rotaryDim) = (try #require(f.spec.headDim), try #require(f.spec.rotaryDim))
            if rotaryDim < headDim {
                let full = RotaryEmbedding(
                    pairing: try f.pairing(), dimensions: headDim,
                    inverseFrequencies: RotaryEmbedding.standardFrequencies(base: try #require(f.spec.base), dimensions: headDim))
                expectDiffers(try rope(f, embedding: full), expected, atol: 2e-6, rtol: 0, "rope/\(name) rotating all \(headDim) dims")
            }
        }
    }

    // MARK: Soft-cap, activations, softmax

    @Test("soft-cap matches cap·tanh(x/cap)", arguments: KernelFixtures.caseNames("softcap"))
    func softcap(case name: String) throws {
        let f = try KernelFixtures.load("softcap", name)
        let cap = Float(try #require(f.spec.cap))
        let actual = elementwise(try f.array("x")) { Activations.softcap($0, count: $1, cap: cap) }
        expectClose(actual, try f.array("expected"), atol: 0, rtol: 1e-6, "softcap/\(name)")
    }

    @Test("soft-cap: the other model's cap, or no cap, is caught")
    func softcapNegatives() throws {
        let caps = try KernelFixtures.caseNames("softcap").map { try #require(KernelFixtures.load("softcap", $0).spec.cap) }
        try #require(Set(caps).count >= 2)
        for name in KernelFixtures.caseNames("softcap") {
            let f = try KernelFixtures.load("softcap", name)
            let cap = try #require(f.spec.cap)
            let x = try f.array("x")
            let expected = try f.array("expected")
            for wrong in caps where wrong != cap {
                let actual = elementwise(x) { Activations.softcap($0, count: $1, cap: Float(wrong)) }
                expectDiffers(actual, expected, atol: 0, rtol: 1e-6, "softcap/\(name) with cap \(wrong)")
            }
            expectDiffers(x, expected, atol: 0, rtol: 1e-6, "softcap/\(name) uncapped")
        }
    }

    @Test("activations match silu, exact (erf) GELU and tanh GELU", arguments: KernelFixtures.caseNames("activations"))
    func activation(case name: String) throws {
        let f = try KernelFixtures.load("activations", name)
        let function = try #require(f.spec.function)
        let kernel = try #require(Self.activations[function], "no kernel for \(function)")
        let actual = elementwise(try f.array("x"), kernel)
        let atol: Float = function == "silu" ? 0 : 1e-6
        expectClose(actual, try f.array("expected"), atol: atol, rtol: 1e-6, "activations/\(name)")
    }

    /// Each activation's reference matches its own kernel and no other; in particular the two GELUs
    /// (which differ by up to ~5e-4) are told apart.
    @Test("activations: each reference rejects the other functions")
    func activationNegatives() throws {
        for name in KernelFixtures.caseNames("activations") {
            let f = try KernelFixtures.load("activations", name)
            let function = try #require(f.spec.function)
            for (other, kernel) in Self.activations where other != function {
                let actual = elementwise(try f.array("x"), kernel)
                expectDiffers(actual, try f.array("expected"), atol: 1e-6, rtol: 1e-6, "activations/\(name) through \(other)")
            }
        }
    }

    @Test("softmax matches exp(x−max)/Σ row by row", arguments: KernelFixtures.caseNames("softmax"))
    func softmax(case name: String) throws {
        let f = try KernelFixtures.load("softmax", name)
        let (rows, width) = (try #require(f.spec.rows), try #require(f.spec.width))
        var actual = try f.array("x")
        actual.withUnsafeMutableBufferPointer { p in
            for r in 0..<rows { Activations.softmax(p.baseAddress! + r * width, count: width) }
        }
        expectClose(actual, try f.array("expected"), atol: 1e-9, rtol: 2e-6, "softmax/\(name)")
    }

    /// Without the max subtraction, logits around 1e4 overflow expf.
    @Test("softmax: exp without the max subtraction is caught")
    func softmaxNegative() throws {
        let f = try KernelFixtures.load("softmax", "large-logits-2x9")
        let (rows, width) = (try #require(f.spec.rows), try #require(f.spec.width))
        let x = try f.array("x")
        var naive = [Float](repeating: 0, count: x.count)
        for r in 0..<rows {
            let row = (0..<width).map { expf(x[r * width + $0]) }
            let sum = row.reduce(0, +)
            for c in 0..<width { naive[r * width + c] = row[c] / sum }
        }
        expectDiffers(naive, try f.array("expected"), atol: 1e-9, rtol: 2e-6, "softmax/large-logits without max")
    }

    // MARK: Fixtures

    @Test("kernel fixtures: manifest, SHA-256s and array bounds")
    func fixturesAreComplete() throws {
        let manifest = try KernelFixtures.loadManifest()
        #expect(manifest.generator == "Scripts/make_kernel_fixtures.py")
        for kernel in ["rms", "layer", "rope", "softcap", "activations", "softmax", "attention"] {
            let entry = try #require(manifest.kernels[kernel], "manifest has no \(kernel)")
            #expect(entry.cases.count >= 2, "\(kernel) has \(entry.cases.count) cases")
            #expect(Set(entry.cases.map(\.name)).count == entry.cases.count, "\(kernel) case names repeat")
            let floats = try #require(manifest.files[entry.file]).size / 4
            for c in entry.cases {
                #expect(c.arrays["expected"] != nil, "\(kernel)/\(c.name) has no expected array")
                for (key, ref) in c.arrays {
                    #expect(ref.offset >= 0 && ref.offset + ref.count <= floats, "\(kernel)/\(c.name).\(key) out of bounds")
                }
            }
        }
        #expect(Set(manifest.files.keys) == Set(manifest.kernels.values.map(\.file)))
        for (file, entry) in manifest.files.sorted(by: { $0.key < $1.key }) {
            let data = try Samples.data("kernels/\(file)")
            #expect(data.count == entry.size, "\(file) size")
            #expect(SHA256.hex(data) == entry.sha256, "\(file) sha256")
        }
        // Argument lists come from the manifest: make sure none came out empty.
        #expect(!KernelFixtures.caseNames("rms").isEmpty && !KernelFixtures.caseNames("rope").isEmpty)
        let rope = try #require(manifest.kernels["rope"]).cases
        for pairing in ["neox", "interleaved"] {
            #expect(rope.contains { $0.pairing == pairing && ($0.rotaryDim ?? 0) < ($0.headDim ?? 0) }, "no partial \(pairing) case")
            #expect(rope.contains { $0.pairing == pairing && $0.rotaryDim == $0.headDim }, "no full \(pairing) case")
        }
    }

    // MARK: Helpers

    static let activations: [String: @Sendable (UnsafeMutablePointer<Float>, Int) -> Void] = [
        "silu": { Activations.silu($0, count: $1) },
        "gelu_exact": { Activations.geluExact($0, count: $1) },
        "gelu_tanh": { Activations.geluTanh($0, count: $1) },
    ]

    func rms(_ x: [Float], rows: Int, width: Int, weight: [Float]?, offset: Float, eps: Float) -> [Float] {
        var out = [Float](repeating: .nan, count: x.count)
        out.withUnsafeMutableBufferPointer { o in
            withOptionalPointer(weight) { w in
                Normalization.rms(x, into: o.baseAddress!, rows: rows, width: width, weight: w, weightOffset: offset, eps: eps)
            }
        }
        return out
    }

    func layer(_ x: [Float], rows: Int, width: Int, weight: [Float]?, bias: [Float]?, eps: Float) -> [Float] {
        var out = [Float](repeating: .nan, count: x.count)
        out.withUnsafeMutableBufferPointer { o in
            withOptionalPointer(weight) { w in
                withOptionalPointer(bias) { b in
                    Normalization.layer(x, into: o.baseAddress!, rows: rows, width: width, weight: w, bias: b, eps: eps)
                }
            }
        }
        return out
    }

    /// The fixture's input rotated with its own inverse frequencies (so only `apply` is under test).
    func rope(_ f: KernelFixture, pairing: RotaryEmbedding.Pairing, positions: [Int]? = nil) throws -> [Float] {
        let frequencies = try f.array("inv_freq").map(Double.init)
        let embedding = RotaryEmbedding(pairing: pairing, dimensions: try #require(f.spec.rotaryDim), inverseFrequencies: frequencies)
        return try rope(f, embedding: embedding, positions: positions)
    }

    func rope(_ f: KernelFixture, embedding: RotaryEmbedding, positions: [Int]? = nil) throws -> [Float] {
        let specPositions = try #require(f.spec.positions)
        let positions = positions ?? specPositions
        let (heads, headDim) = (try #require(f.spec.heads), try #require(f.spec.headDim))
        var x = try f.array("x")
        try #require(x.count == positions.count * heads * headDim)
        x.withUnsafeMutableBufferPointer {
            embedding.apply($0.baseAddress!, rows: positions.count, heads: heads, headDim: headDim, positions: positions)
        }
        return x
    }

    func elementwise(_ x: [Float], _ kernel: (UnsafeMutablePointer<Float>, Int) -> Void) -> [Float] {
        var out = x
        out.withUnsafeMutableBufferPointer { kernel($0.baseAddress!, $0.count) }
        return out
    }
}

// MARK: - Samples/kernels

/// `Samples/kernels/manifest.json`.
struct KernelManifest: Decodable, Sendable {
    struct File: Decodable, Sendable {
        var sha256: String
        var size: Int
    }

    struct Kernel: Decodable, Sendable {
        var file: String
        var cases: [KernelCase]
    }

    var generator: String
    var seed: Int
    var kernels: [String: Kernel]
    var files: [String: File]
}

/// One case of one kernel: its parameters (those the kernel uses; the others are nil) and arrays.
struct KernelCase: Decodable, Sendable {
    struct ArrayReference: Decodable, Sendable {
        /// In floats from the start of the kernel's file.
        var offset: Int
        var shape: [Int]
        var count: Int { shape.reduce(1, *) }
    }

    var name: String
    var rows: Int?
    var width: Int?
    var eps: Double?
    var weightOffset: Double?
    var pairing: String?
    var heads: Int?
    var headDim: Int?
    var rotaryDim: Int?
    var base: Double?
    var positions: [Int]?
    var cap: Double?
    var function: String?
    var arrays: [String: ArrayReference]
}

struct KernelFixture {
    var kernel: String
    var spec: KernelCase
    /// The kernel's whole file.
    var values: [Float]

    func array(_ key: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Float] {
        let ref = try #require(spec.arrays[key], "\(kernel)/\(spec.name) has no array \(key)", sourceLocation: sourceLocation)
        try #require(
            ref.offset >= 0 && ref.offset + ref.count <= values.count,
            "\(kernel)/\(spec.name).\(key) lies outside the file", sourceLocation: sourceLocation)
        return Array(values[ref.offset..<(ref.offset + ref.count)])
    }

    func optionalArray(_ key: String) throws -> [Float]? {
        spec.arrays[key] == nil ? nil : try array(key)
    }

    func pairing() throws -> RotaryEmbedding.Pairing {
        switch spec.pairing {
        case "neox": return .half
        case "interleaved": return .adjacent
        default:
            Issue.record("\(kernel)/\(spec.name): unknown pairing \(spec.pairing ?? "nil")")
            throw KernelFixtureError()
        }
    }
}

struct KernelFixtureError: Error {}

enum KernelFixtures {
    static func loadManifest() throws -> KernelManifest {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(KernelManifest.self, from: Samples.data("kernels/manifest.json"))
    }

    /// For argument lists, which cannot `#require`: nil if the manifest does not load, which
    /// `fixturesAreComplete` then reports.
    static let manifest: KernelManifest? = try? loadManifest()

    static func caseNames(_ kernel: String) -> [String] {
        manifest?.kernels[kernel]?.cases.map(\.name) ?? []
    }

    static func load(_ kernel: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> KernelFixture {
        let manifest = try loadManifest()
        let entry = try #require(manifest.kernels[kernel], "manifest has no kernel \(kernel)", sourceLocation: sourceLocation)
        let spec = try #require(entry.cases.first { $0.name == name }, "\(kernel) has no case \(name)", sourceLocation: sourceLocation)
        let data = try Samples.data("kernels/\(entry.file)")
        try #require(data.count % 4 == 0, "\(entry.file) is not whole floats", sourceLocation: sourceLocation)
        let values = data.withUnsafeBytes { bytes in
            (0..<(data.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
        return KernelFixture(kernel: kernel, spec: spec, values: values)
    }
}

private func withOptionalPointer<R>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress!) }
}

private func expectClose(
    _ actual: [Float], _ expected: [Float], atol: Float, rtol: Float, _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record("\(label): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    let mismatch = firstMismatch(actual, expected, atol: atol, rtol: rtol)
    #expect(mismatch == nil, "\(label): \(mismatch.map(String.init(describing:)) ?? "")", sourceLocation: sourceLocation)
}

/// The negative checks: `actual` (a deliberately wrong variant) must fail the comparison.
private func expectDiffers(
    _ actual: [Float], _ expected: [Float], atol: Float, rtol: Float, _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "\(label)", sourceLocation: sourceLocation)
    #expect(firstMismatch(actual, expected, atol: atol, rtol: rtol) != nil, "\(label) was not caught", sourceLocation: sourceLocation)
}
