import CkptEngine
import CkptFormats
import CkptModels
import CkptTestSupport
import Foundation
import Testing

/// One fixture checkpoint and the transformers logits it must reproduce.
struct FixtureCase: CustomStringConvertible, Sendable {
    var variant: String
    /// "hf-f32", "hf-bf16" or "model.gguf".
    var file: String
    var description: String { "\(variant)/\(file)" }
    var logitsFile: String { file == "hf-bf16" ? "logits-bf16.npy" : "logits.npy" }
}

/// Samples/tiny (made by Scripts/fixtures/make_tiny_models.py): tiny random models of every supported
/// architecture with transformers' float32 logits.
enum TinyModels {
    static let manifest: JSONObject = {
        let data = (try? Samples.data("tiny/manifest.json")) ?? Data("{}".utf8)
        return (try? JSONParser().parse(data).object) ?? JSONObject()
    }()

    static var tokens: [Int] { manifest["tokens"]?.array?.compactMap { $0.number?.int64.map(Int.init) } ?? [] }

    static var cases: [FixtureCase] {
        (manifest["variants"]?.object ?? JSONObject()).flatMap { name, entry -> [FixtureCase] in
            var files = ["hf-f32", "hf-bf16"]
            if entry.object?["gguf"]?.object != nil { files.append("model.gguf") }
            return files.map { FixtureCase(variant: name, file: $0) }
        }
    }
}

@Suite struct TransformersFixtureTests {
    @Test func everyArchitectureHasFixtures() {
        let variants = Set((TinyModels.manifest["variants"]?.object ?? JSONObject()).keys)
        for family in ArchitectureFamily.allCases {
            #expect(variants.contains { $0 == family.rawValue || $0.hasPrefix(family.rawValue + "-") }, "\(family)")
        }
        let ggufFamilies: Set<String> = Set(TinyModels.cases.filter { $0.file == "model.gguf" }.map { String($0.variant.split(separator: "-")[0]) })
        #expect(ggufFamilies.isSuperset(of: ["llama", "qwen2", "qwen3", "gemma", "gemma2", "phi3", "gpt_neox", "phi", "stablelm", "falcon", "cohere", "starcoder2", "olmo2"]))
    }

    /// Our logits equal transformers' within 1e-4 absolute, for every architecture and format.
    @Test(arguments: TinyModels.cases)
    func logitsMatchTransformers(_ fixture: FixtureCase) throws {
        let model = try Model(Checkpoint.open(Samples.url("tiny/\(fixture.variant)/\(fixture.file)").path))
        let logits = try Engine(model: model).logits(tokens: TinyModels.tokens)
        let expected = try NumpyArray(contentsOf: Samples.url("tiny/\(fixture.variant)/\(fixture.logitsFile)").path)
        #expect(expected.shape == [TinyModels.tokens.count, model.description.vocabSize])
        let mismatch = firstMismatch(logits, expected.values, atol: 1e-4)
        #expect(mismatch == nil, "\(fixture): \(mismatch.map(String.init(describing:)) ?? "")")
    }
}
