import CkptFormats
import CkptTestSupport
import Foundation
import Testing

/// Issue 14, item 1: model files whose containers parse but whose hyperparameters make no sense are
/// refused by every command with exit 2 and one line, never a trap in the arithmetic they feed.
@Suite(.removesTemporaryDirectories) struct SemanticTrapTests {
    /// The families where an `embedding_length` below the head count (no `key_length`) trapped.
    static let families = ["falcon-7b", "phi", "gpt_neox", "stablelm", "cohere", "olmo2", "starcoder2", "mixtral", "llama"]

    /// `arguments` with `MODEL` replaced exits 2 with one `ckpt: error:` line holding `fragment`.
    static func expectRefusal(_ model: String, _ fragment: String, commands: [[String]]? = nil) throws {
        let dir = try makeScopedTemporaryDirectory("semantic-trap")
        let all =
            commands ?? [
                ["plan", model],
                ["convert", model, dir.appendingPathComponent("out.gguf").path, "--precompute-first-layer", "--table-dtype", "f32"],
                ["logits", model, "--tokens", "1,2", "--out", dir.appendingPathComponent("l.npy").path],
                ["validate", model, model],
            ]
        for arguments in all {
            let run = try runCkpt(arguments)
            #expect(run.status == 2, "\(arguments): \(run.status) \(run.stderr)")
            #expect(run.stderr.hasPrefix("ckpt: error: "), "\(arguments): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n", omittingEmptySubsequences: false).count == 2, "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains(fragment), "\(arguments): \(run.stderr)")
        }
    }

    /// The tiny `family` GGUF with `edit` applied, written to a scoped temporary directory.
    static func edited(_ family: String, _ edit: (inout EditedGGUF) -> Void) throws -> String {
        var gguf = try EditedGGUF(Samples.url("tiny/\(family)/model.gguf").path)
        edit(&gguf)
        let path = try makeScopedTemporaryDirectory("edited-gguf").appendingPathComponent("model.gguf").path
        try gguf.write(to: path)
        return path
    }

    @Test(arguments: families)
    func hiddenSmallerThanHeadsIsRefused(_ family: String) throws {
        let model = try Self.edited(family) {
            $0.set(".embedding_length", .uint32(1))
            $0.remove(".attention.key_length")
            $0.remove(".attention.value_length")
        }
        try Self.expectRefusal(model, "embedding_length 1 is smaller than")
    }

    /// Expert counts that disagree: none used (GGUF), or more used per token than the kept groups hold
    /// (DeepSeek V3 with 8 experts in 2 groups, 1 kept, 6 used: once run with experts the groups had masked).
    @Test func expertCountsAreChecked() throws {
        let zero = try Self.edited("mixtral") { $0.set(".expert_used_count", .uint32(0)) }
        try Self.expectRefusal(zero, "expert_used_count is 0")
        let dir = try makeScopedTemporaryDirectory("grouped-experts")
        let model = dir.appendingPathComponent("deepseek").path
        try FileManager.default.copyItem(atPath: Samples.url("tiny/deepseek_v3/hf-f32").path, toPath: model)
        let config = URL(fileURLWithPath: model).appendingPathComponent("config.json")
        let text = try String(contentsOf: config, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "\"num_experts_per_tok\": 2", with: "\"num_experts_per_tok\": 6").utf8).write(to: config)
        try Self.expectRefusal(
            model, "8 experts in 2 groups, 1 kept, cannot supply 6 experts per token",
            commands: [["plan", model], ["logits", model, "--tokens", "1,2", "--out", dir.appendingPathComponent("l.npy").path]])
    }

    /// A sliding window of 0 and a RoPE dimension count that is odd.
    @Test func windowAndRopeDimensionsAreChecked() throws {
        let odd = try Self.edited("llama") { $0.set(".rope.dimension_count", .uint32(3)) }
        try Self.expectRefusal(odd, "rotary dimensions 3 must be even")
        let window = try Self.edited("gemma2") { $0.set(".attention.sliding_window", .uint32(0)) }
        try Self.expectRefusal(window, "sliding_window is 0")
    }

    /// A config.json whose every value is inside its accepted range but whose products are not: `plan`
    /// (and the description every command builds) refuses it, never overflowing.
    @Test(arguments: [
        (#"{"model_type":"llama","hidden_size":1048576,"num_hidden_layers":10000,"num_attention_heads":16,"vocab_size":67108864}"#),
        (#"{"model_type":"llama","hidden_size":1048576,"num_hidden_layers":1,"num_attention_heads":65536,"head_dim":65536,"vocab_size":67108864}"#),
        (#"{"model_type":"mixtral","hidden_size":1048576,"num_hidden_layers":10000,"num_attention_heads":1,"vocab_size":1,"intermediate_size":16777216,"num_local_experts":1024,"num_experts_per_tok":2}"#),
        (#"{"model_type":"llama","hidden_size":1048576,"num_hidden_layers":10,"num_attention_heads":1,"vocab_size":1,"intermediate_size":16777216}"#),
    ])
    func hugeProductsAreRefused(_ config: String) throws {
        let path = try makeScopedTemporaryDirectory("huge-config").appendingPathComponent("config.json").path
        try Data(config.utf8).write(to: URL(fileURLWithPath: path))
        try Self.expectRefusal(path, "weights", commands: [["plan", path], ["plan", path, "--json"]])
    }

    /// A large but representable model plans with exact figures.
    @Test func bigModelsPlanExactly() throws {
        let path = try makeScopedTemporaryDirectory("big-config").appendingPathComponent("config.json").path
        let config = #"{"model_type":"llama","hidden_size":65536,"num_hidden_layers":200,"num_attention_heads":512,"vocab_size":1048576}"#
        try Data(config.utf8).write(to: URL(fileURLWithPath: path))
        let run = try runCkpt(["plan", path, "--json", "--batch", "1,1000000"])
        #expect(run.status == 0, "\(run.stderr)")
        // d = 2^16: one table row is 4d wide, vocab 2^20 rows, f32: 2^16 · 4 · 2^20 · 4 bytes.
        #expect(run.stdout.contains("\(Int(1) << 40)"), "\(run.stdout.prefix(400))")
    }

    /// A thread count near `Int.max` runs on as many workers as there are chunks (its lookahead once overflowed).
    @Test func hugeThreadCountConverts() throws {
        let dir = try makeScopedTemporaryDirectory("huge-threads")
        let run = try runCkpt([
            "convert", Samples.url("tiny/llama/model.gguf").path, dir.appendingPathComponent("out.gguf").path,
            "--precompute-first-layer", "--threads", "\(Int.max)",
        ])
        #expect(run.status == 0 || run.status == 2, "\(run.status) \(run.stderr)")
        #expect(run.status == 0 || run.stderr.hasPrefix("ckpt: error: "), "\(run.stderr)")
    }

    /// Batch sizes whose reads would not fit a 64-bit count are a usage error.
    @Test func hugeBatchIsRefused() throws {
        let run = try runCkpt(["plan", Samples.url("tiny/llama/model.gguf").path, "--batch", "\(Int.max)"])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("batch sizes must be at most"), "\(run.stderr)")
    }
}
