import CkptTestSupport
import Foundation
import Testing

/// The numeric options' documented limits (README.md, "Commands"): `--threads` at most 1024,
/// `--sequences` at most 256, `--tokens` and `--random` at most 4096 tokens and never more than the
/// model's context length; each refusal is one usage line (exit 2) before any work.
@Suite(.removesTemporaryDirectories) struct OptionLimitTests {
    static let gguf = Samples.url("tiny/llama/model.gguf").path
    static let hf = Samples.url("tiny/llama/hf-f32").path

    func expectRefused(_ arguments: [String], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let run = try runCkpt(arguments)
        #expect(run.status == 2, "\(arguments.prefix(3)): \(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stderr.hasPrefix("ckpt: error: "), sourceLocation: sourceLocation)
        #expect(run.stderr.split(separator: "\n").count == 1, sourceLocation: sourceLocation)
        #expect(run.stderr.contains(fragment), "\(run.stderr)", sourceLocation: sourceLocation)
    }

    static func ids(_ count: Int) -> String { (0..<count).map { String($0 % 7) }.joined(separator: ",") }

    @Test func optionsHaveUpperLimits() throws {
        let out = try makeScopedTemporaryDirectory("limits").appendingPathComponent("l.npy").path
        try expectRefused(
            ["convert", Self.gguf, out + ".gguf", "--precompute-first-layer", "--threads", "1025"], "--threads allows at most 1024")
        try expectRefused(["validate", Self.gguf, Self.gguf, "--sequences", "257"], "--sequences allows at most 256")
        try expectRefused(["validate", Self.gguf, Self.gguf, "--random", "4097"], "--random allows at most 4096 tokens")
        try expectRefused(["validate", Self.gguf, Self.gguf, "--tokens", Self.ids(4097)], "--tokens allows at most 4096 tokens")
        try expectRefused(["logits", Self.gguf, "--tokens", Self.ids(4097), "--out", out], "--tokens allows at most 4096 tokens")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func sequencesStayWithinTheContext() throws {
        let out = try makeScopedTemporaryDirectory("limits").appendingPathComponent("l.npy").path
        let config = try String(contentsOf: Samples.url("tiny/llama/hf-f32/config.json"), encoding: .utf8)
        let match = try #require(config.firstMatch(of: /"max_position_embeddings": (\d+)/))
        let context = try #require(Int(match.1))
        for model in [Self.gguf, Self.hf] {
            try expectRefused(
                ["logits", model, "--tokens", Self.ids(context + 1), "--out", out],
                "--tokens asks for \(context + 1) tokens, more than the model's context length \(context)")
        }
        let converted = try makeScopedTemporaryDirectory("limits").appendingPathComponent("c.gguf").path
        let run = try runCkpt(["convert", Self.gguf, converted, "--precompute-first-layer"])
        try #require(run.status == 0, "\(run.stderr)")
        try expectRefused(["validate", Self.gguf, converted, "--random", String(context + 1)], "more than the model's context length")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
