import CkptEngine
import CkptFormats
import CkptJSON
import CkptModels
import CkptPrecompute
import CkptStorage
import CkptTestSupport
import Foundation
import Testing

/// A multimodal checkpoint (Gemma 3 4B and up) keeps its language model under `model.language_model.`
/// beside a vision tower, and its text settings in `text_config`: ckpt reads, converts and validates the
/// language model and carries the vision tower over untouched.
@Suite(.removesTemporaryDirectories) struct MultimodalWrapperTests {
    /// The Gemma 3 fixture rewritten as transformers 5 writes `Gemma3ForConditionalGeneration`, with one
    /// stand-in vision tensor.
    func wrappedGemma3() throws -> URL {
        let dir = try makeScopedTemporaryDirectory("multimodal")
        let source = Samples.url("tiny/gemma3/hf-f32")
        let input = try Checkpoint.open(source.path)
        var tensors = try input.tensors.map { tensor in
            let name = tensor.name.hasPrefix("model.") ? "model.language_model." + tensor.name.dropFirst("model.".count) : tensor.name
            return try SafetensorsWriter.Tensor(
                name: name, dtype: .f32, shape: tensor.shape, source: .mapped(input.file(of: tensor), offset: tensor.offset))
        }
        let norm = try #require(input.tensor(named: "model.norm.weight"))
        tensors.append(
            try SafetensorsWriter.Tensor(
                name: "model.vision_tower.stand_in.weight", dtype: .f32, shape: norm.shape,
                source: .mapped(input.file(of: norm), offset: norm.offset)))
        let output = try OutputFile(path: dir.appendingPathComponent("model.safetensors").path, overwrite: false)
        try SafetensorsWriter(metadata: [("format", "pt")], tensors: tensors).write(to: output)
        try output.commit()
        let text = try Data(contentsOf: source.appendingPathComponent("config.json"))
        let wrapper = #"{"architectures":["Gemma3ForConditionalGeneration"],"model_type":"gemma3","text_config":"#
        try (Data(wrapper.utf8) + text + Data("}".utf8)).write(to: dir.appendingPathComponent("config.json"))
        return dir
    }

    @Test func languageModelUnderAPrefixComputesTransformersLogits() throws {
        let dir = try wrappedGemma3()
        let model = try Model(Checkpoint.open(dir.path))
        #expect(model.description.family == "gemma3_text")
        #expect(model.names.name(.q, layer: 0) == "model.language_model.layers.0.self_attn.q_proj.weight")
        let tokens = try ConversionTests.requireTokens()
        let expected = try NumpyArray(contentsOf: Samples.url("tiny/gemma3/logits.npy").path)
        let logits = try Engine(model: model).logits(tokens: tokens)
        #expect(firstMismatch(logits, expected.values, atol: 1e-4) == nil)

        let output = try makeScopedTemporaryDirectory("multimodal-converted").appendingPathComponent("out").path
        _ = try Converter(input: dir.path, output: output, options: ConversionOptions(threads: 2)).run()
        let converted = try Checkpoint.open(output)
        #expect(converted.tensor(named: "model.vision_tower.stand_in.weight") != nil)
        #expect(converted.tensor(named: "model.language_model.layers.0.self_attn.q_proj.weight") == nil)
        #expect(converted.tensor(named: "model.language_model.layers.1.self_attn.q_proj.weight") != nil)
        let convertedLogits = try Engine(model: Model(converted)).logits(tokens: tokens)
        #expect(firstMismatch(convertedLogits, expected.values, atol: 1e-4) == nil)
        #expect(try Validator(original: dir.path, converted: output).run(options: .init()).passed)
    }
}
