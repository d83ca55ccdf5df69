import CkptEngine
import CkptFormats
import CkptJSON
import CkptModels
import CkptTestSupport
import Foundation
import Testing

/// SmolLM2-135M-Instruct (Q4_1) against two references (Samples/smollm2/reference/README.md):
/// transformers loading the same GGUF, which dequantizes as we do (must match within 1e-3), and
/// llama.cpp, which quantizes activations in its matmuls (top-1 agreement, not equality).
@Suite struct SmolLM2LogitsTests {
    @Test(.requiresSmolLM2) func matchesTransformersAndAgreesWithLlamaCpp() throws {
        let path = try requireSmolLM2Path()
        let manifest = try #require(try JSONParser().parse(Samples.data("smollm2/reference/manifest.json")).object)
        let tokens = try #require(manifest["tokens"]?.array).compactMap { $0.number?.int64.map(Int.init) }
        try #require(tokens.count >= 32)
        let model = try Model(Checkpoint.open(path))
        #expect(model.description.tiedHead)
        #expect(model.description.rope.style == .interleaved)
        let logits = try Engine(model: model).logits(tokens: tokens)
        let transformers = try NumpyArray(contentsOf: Samples.url("smollm2/reference/transformers-logits.npy").path)
        #expect(transformers.shape == [tokens.count, 49152])
        let mismatch = firstMismatch(logits, transformers.values, atol: 1e-3)
        #expect(mismatch == nil, "\(mismatch.map(String.init(describing:)) ?? "")")

        let top1 = try #require(try JSONParser().parse(Samples.data("smollm2/reference/llamacpp-top1.json")).array)
            .compactMap { $0.number?.int64.map(Int.init) }
        let ours = (0..<tokens.count).map { r in
            (0..<49152).max { logits[r * 49152 + $0] < logits[r * 49152 + $1] }!
        }
        let agreement = Double(zip(ours, top1).filter { $0 == $1 }.count) / Double(tokens.count)
        // llama.cpp quantizes activations to Q8 in its matmuls; on random tokens ~90-95% is expected.
        #expect(agreement >= 0.85, "top-1 agreement with llama.cpp \(agreement)")
    }
}
