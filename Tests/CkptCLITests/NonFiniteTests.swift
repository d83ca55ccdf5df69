import CkptFormats
import CkptTestSupport
import Foundation
import Testing

/// Issue 14, item 2: NaN and infinity in weights, and settings that make them (a negative norm epsilon,
/// a RoPE base of 0), are caught: `convert` refuses, `logits` never writes NaN with exit 0, `validate`
/// fails, and a layer-0 tensor the family needs is never taken for zero.
@Suite(.removesTemporaryDirectories) struct NonFiniteTests {
    static let llama = Samples.url("tiny/llama/model.gguf").path

    /// Runs `arguments`; expects `status` and, for exit 2, one `ckpt: error:` line holding `fragment`.
    @discardableResult
    static func expect(_ arguments: [String], status: Int32, _ fragment: String) throws -> CkptRun {
        let run = try runCkpt(arguments)
        #expect(run.status == status, "\(arguments): \(run.status) \(run.stderr) \(run.stdout.prefix(600))")
        if status == 2 {
            #expect(run.stderr.hasPrefix("ckpt: error: "), "\(run.stderr)")
            #expect(run.stderr.split(separator: "\n", omittingEmptySubsequences: false).count == 2, "\(run.stderr)")
            #expect(run.stderr.contains(fragment), "\(arguments): \(run.stderr)")
        } else if !fragment.isEmpty {
            #expect((run.stdout + run.stderr).contains(fragment), "\(arguments): \(run.stdout) \(run.stderr)")
        }
        return run
    }

    /// `convert` arguments writing `input`'s f32 conversion into `dir`.
    static func convert(_ input: String, _ dir: URL, _ extra: [String] = []) -> [String] {
        ["convert", input, dir.appendingPathComponent("out.gguf").path, "--precompute-first-layer", "--table-dtype", "f32"] + extra
    }

    @Test(arguments: [("blk.0.attn_q.weight", Float.nan), ("token_embd.weight", Float.infinity), ("blk.0.attn_norm.weight", -.infinity)])
    func convertRefusesNonFiniteLayerZero(_ tensor: String, _ value: Float) throws {
        let input = try SemanticTrapTests.edited("llama") { $0.setValue(value, of: tensor, at: 5) }
        let dir = try makeScopedTemporaryDirectory("nonfinite")
        try Self.expect(Self.convert(input, dir), status: 2, tensor)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.gguf").path))
        try Self.expect(Self.convert(input, dir, ["--allow-nonfinite"]), status: 0, "")
    }

    /// Finite weights whose table rows overflow (a norm weight of 1e38) are caught in the computed rows.
    @Test func convertRefusesNonFiniteRows() throws {
        let input = try SemanticTrapTests.edited("llama") {
            for i in 0..<64 { $0.setValue(3e38, of: "blk.0.attn_q.weight", at: i) }
        }
        let dir = try makeScopedTemporaryDirectory("nonfinite-rows")
        try Self.expect(Self.convert(input, dir), status: 2, "first_layer_table.weight")
    }

    @Test(arguments: [
        (".attention.layer_norm_rms_epsilon", GGUFValue.float32(-1e-5), "llama.attention.layer_norm_rms_epsilon"),
        (".rope.freq_base", GGUFValue.float32(0), "llama.rope.freq_base"),
        (".rope.freq_base", GGUFValue.float32(-10000), "llama.rope.freq_base"),
    ])
    func badSettingsAreRefusedByName(_ key: String, _ value: GGUFValue, _ name: String) throws {
        let input = try SemanticTrapTests.edited("llama") { $0.set(key, value) }
        try SemanticTrapTests.expectRefusal(input, name)
    }

    @Test func badConfigSettingsAreRefusedByName() throws {
        let dir = try makeScopedTemporaryDirectory("bad-config")
        for (key, value) in [("rms_norm_eps", "-1e-6"), ("rope_theta", "0")] {
            var config = try String(contentsOf: Samples.url("tiny/llama/hf-f32/config.json"), encoding: .utf8)
            let pattern = try Regex("\"\(key)\": *[-0-9.e]+")
            config = config.replacing(pattern, with: "\"\(key)\": \(value)")
            #expect(config.contains("\"\(key)\": \(value)"))
            let path = dir.appendingPathComponent("config.json").path
            try Data(config.utf8).write(to: URL(fileURLWithPath: path))
            try SemanticTrapTests.expectRefusal(path, key, commands: [["plan", path]])
        }
    }

    /// A NaN past layer 0, which `convert` does not look at, gives NaN logits: `logits` exits 2 naming
    /// the model and writes nothing; `validate` fails its "finite logits" check (exit 1).
    @Test func nonFiniteLogitsAreNeverPassed() throws {
        let input = try SemanticTrapTests.edited("llama") {
            for i in 0..<64 { $0.setValue(.nan, of: "blk.1.ffn_down.weight", at: i) }
        }
        let dir = try makeScopedTemporaryDirectory("nonfinite-logits")
        let out = dir.appendingPathComponent("l.npy").path
        try Self.expect(["logits", input, "--tokens", "1,2,3", "--out", out], status: 2, "\(input): ")
        #expect(!FileManager.default.fileExists(atPath: out))
        try Self.expect(Self.convert(input, dir), status: 0, "")
        let converted = dir.appendingPathComponent("out.gguf").path
        let run = try Self.expect(["validate", input, converted, "--tokens", "1,2,3"], status: 1, "finite logits")
        #expect(run.stdout.contains("FAIL"), "\(run.stdout)")
        try Self.expect(["validate", input, converted, "--tokens", "1,2,3", "--json"], status: 1, "\"finite logits\"")
    }

    /// A table row of NaN fails the audit, sampled or full.
    @Test func nanTableRowFailsTheAudit() throws {
        let dir = try makeScopedTemporaryDirectory("nan-row")
        try Self.expect(Self.convert(Self.llama, dir), status: 0, "")
        var converted = try EditedGGUF(dir.appendingPathComponent("out.gguf").path)
        converted.setValue(.nan, of: "first_layer_table.weight", at: 3)
        let bad = dir.appendingPathComponent("bad.gguf").path
        try converted.write(to: bad)
        for extra in [[], ["--full-audit"], ["--json"]] {
            try Self.expect(["validate", Self.llama, bad, "--tokens", "5,6", "--any-source"] + extra, status: 1, "table audit")
        }
    }

    /// qwen2 has q/k/v biases in every layer: without layer 0's, the model is refused, not run with zeros.
    @Test func missingLayerZeroBiasIsRefused() throws {
        let input = try SemanticTrapTests.edited("qwen2") { $0.rename(tensor: "blk.0.attn_q.bias", to: "unused.attn_q.bias") }
        let dir = try makeScopedTemporaryDirectory("missing-bias")
        try SemanticTrapTests.expectRefusal(
            input, "blk.0.attn_q.bias",
            commands: [
                Self.convert(input, dir), ["logits", input, "--tokens", "1,2", "--out", dir.appendingPathComponent("l.npy").path],
            ])
    }
}
