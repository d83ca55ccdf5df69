import CkptEngine
import CkptFormats
import CkptModels
import CkptTestSupport
import Foundation
import Testing

@testable import CkptPrecompute

/// `validate` runs the original, the converted model and the rounded original through the original's
/// layers in one pass (`Engine.logits(groups:)`); that must give exactly, bit for bit, what running
/// each model on its own gives, so the verdicts and statistics do not depend on it.
@Suite(.removesTemporaryDirectories) struct GroupedLogitsTests {
    @Test(arguments: ["llama/model.gguf", "gemma2/hf-f32", "mixtral/model.gguf", "deepseek_v3/hf-f32", "gpt_neox/hf-f32"])
    func oneGroupedPassEqualsSeparateRuns(_ source: String) throws {
        let converted = try Model(Checkpoint.open(ConversionTests.convert(source, tableType: .bf16)))
        let original = try Model(Checkpoint.open(Samples.url("tiny/\(source)").path))
        let tokens = try ConversionTests.requireTokens()
        let sequences = [tokens, Array(tokens.reversed().prefix(9)), [3, 1, 4, 1, 5]]
        let engine = Engine(model: original)
        let grouped = try engine.logits(groups: [
            sequences.map { Engine.Run(tokens: $0, layerZero: .computed) },
            sequences.map { Engine.Run(tokens: $0, layerZero: .table(converted)) },
        ])
        #expect(grouped[0] == (try engine.logits(sequences: sequences)))
        #expect(grouped[1] == (try Engine(model: converted).logits(sequences: sequences)))
        #expect(grouped[0] != grouped[1], "a bf16 table should change something")
    }

    /// Stacked sequences of different lengths each get their own RoPE: these fixtures' dynamic NTK and
    /// LongRoPE change with the length (the 16-token sequence passes the original context of 8, the
    /// 5-token one does not), and attention stays within each sequence.
    @Test(arguments: ["llama-dynamic/hf-f32", "phi3-longrope-long/hf-f32", "gemma3/hf-f32"])
    func stackedSequencesMatchSingleRuns(_ source: String) throws {
        let engine = try Engine(model: Model(Checkpoint.open(Samples.url("tiny/\(source)").path)))
        let tokens = try ConversionTests.requireTokens()
        let sequences = [tokens, Array(tokens.prefix(5)), Array(tokens.reversed())]
        let stacked = try engine.logits(sequences: sequences)
        for (sequence, logits) in zip(sequences, stacked) {
            let alone = try engine.logits(tokens: sequence)
            let worst = zip(alone, logits).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= 1e-5, "\(source), \(sequence.count) tokens: max |Δlogit| \(worst)")
        }
    }

    /// A group whose layer-0 rows are bit for bit another's is computed once: with a bf16 table the
    /// converted model and the rounded original give the very same logits.
    @Test func twinRunsShareTheirLogits() throws {
        let converted = try Model(Checkpoint.open(ConversionTests.convert("llama/model.gguf", tableType: .bf16)))
        let original = try Model(Checkpoint.open(Samples.url("tiny/llama/model.gguf").path))
        let validator = try Validator(original: original.checkpoint.path, converted: converted.checkpoint.path)
        let sequences = [try ConversionTests.requireTokens()]
        let (base, candidate, reference) = try validator.logits(sequences, together: true) { _, _ in }
        #expect(candidate == reference)
        #expect(base != candidate, "a bf16 table should change something")
    }
}
