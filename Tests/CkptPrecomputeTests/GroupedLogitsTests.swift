import CkptEngine
import CkptFormats
import CkptModels
import CkptPrecompute
import CkptTestSupport
import Foundation
import Testing

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
}
