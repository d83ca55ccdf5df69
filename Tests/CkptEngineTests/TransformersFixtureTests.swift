import CkptEngine
import CkptFormats
import CkptJSON
import CkptModels
import CkptTestSupport
import Foundation
import Testing

/// One fixture checkpoint and the transformers logits it must reproduce.
struct FixtureCase: CustomStringConvertible, Sendable {
    var variant: String
    /// "hf-f32", "hf-bf16", "model.gguf" or "hf-f32-legacy".
    var file: String
    var description: String { "\(variant)/\(file)" }
    var logitsFile: String { file == "hf-bf16" ? "logits-bf16.npy" : "logits.npy" }
}

/// Samples/tiny (made by Scripts/fixtures/make_tiny_models.py): tiny random models of every supported
/// architecture with transformers' float32 logits.
enum TinyModels {
    /// `Samples/tiny/manifest.json`; tests take it with `try #require(TinyModels.loadManifest())`.
    static func loadManifest() throws -> JSONObject? {
        try JSONParser().parse(Samples.data("tiny/manifest.json")).object
    }

    /// The manifest for building argument lists, which cannot `#require`: empty if it does not load,
    /// which `manifestHasCases` then reports as a failure.
    static let manifest: JSONObject = (try? loadManifest()) ?? JSONObject()

    /// The manifest's token ids, empty if the manifest does not load (prefer `requireTokens()` in tests).
    static var tokens: [Int] { manifest["tokens"]?.array?.compactMap { $0.number?.int64.map(Int.init) } ?? [] }

    /// The manifest's token ids; fails the current test if they are missing.
    static func requireTokens() throws -> [Int] {
        let manifest = try #require(try loadManifest())
        let tokens = try #require(manifest["tokens"]?.array).compactMap { $0.number?.int64.map(Int.init) }
        try #require(!tokens.isEmpty, "Samples/tiny/manifest.json lists no tokens")
        return tokens
    }

    static var cases: [FixtureCase] {
        (manifest["variants"]?.object ?? JSONObject()).flatMap { name, entry -> [FixtureCase] in
            var files = ["hf-f32", "hf-bf16"]
            if entry.object?["gguf"]?.object != nil { files.append("model.gguf") }
            // The same weights with a config.json in the pre-transformers-5 published spelling.
            if entry.object?["legacy_config"]?.bool == true { files.append("hf-f32-legacy") }
            return files.map { FixtureCase(variant: name, file: $0) }
        }
    }
}

@Suite struct TransformersFixtureTests {
    /// The parameterized tests below take their cases from the manifest; an unreadable manifest would
    /// give them no cases at all, so it is required here. That every registered family has fixtures is
    /// checked against the registry by ArchitectureRegistryTests (Tests/CkptModelsTests).
    @Test func manifestHasCases() throws {
        let manifest = try #require(try TinyModels.loadManifest())
        #expect(try #require(manifest["variants"]?.object).count > 0)
        #expect(!TinyModels.cases.isEmpty)
        #expect(!(try TinyModels.requireTokens()).isEmpty)
    }

    /// Our logits equal transformers' within 1e-4 absolute, for every architecture and format.
    @Test(arguments: TinyModels.cases)
    func logitsMatchTransformers(_ fixture: FixtureCase) throws {
        let tokens = try TinyModels.requireTokens()
        let model = try Model(Checkpoint.open(Samples.url("tiny/\(fixture.variant)/\(fixture.file)").path))
        let logits = try Engine(model: model).logits(tokens: tokens)
        let expected = try NumpyArray(contentsOf: Samples.url("tiny/\(fixture.variant)/\(fixture.logitsFile)").path)
        try #require(expected.shape == [tokens.count, model.description.vocabSize])
        let mismatch = firstMismatch(logits, expected.values, atol: 1e-4)
        #expect(mismatch == nil, "\(fixture): \(mismatch.map(String.init(describing:)) ?? "")")
    }
}
