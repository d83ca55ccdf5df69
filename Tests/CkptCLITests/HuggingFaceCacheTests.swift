import CkptFormats
import CkptTestSupport
import Foundation
import Testing

/// `hf:ORG/NAME[@REV]` and `models--ORG--NAME` name models in a local Hugging Face cache, laid out as the
/// hub library lays it out: files in `blobs/`, each snapshot a directory of relative symlinks to them,
/// branches in `refs/`.
@Suite(.removesTemporaryDirectories) struct HuggingFaceCacheTests {
    static let commit = String(repeating: "ab12", count: 10)

    /// A cache holding the tiny Llama as `tiny-org/tiny-llama` at `commit`, `refs/main` pointing at it.
    func fakeCache() throws -> URL {
        let root = try makeScopedTemporaryDirectory("hf-cache")
        let repository = root.appendingPathComponent("models--tiny-org--tiny-llama")
        let blobs = repository.appendingPathComponent("blobs")
        let snapshot = repository.appendingPathComponent("snapshots/\(Self.commit)")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: snapshot, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: repository.appendingPathComponent("refs"), withIntermediateDirectories: true)
        try Data(#"{"version": "1.0"}"#.utf8).write(to: blobs.appendingPathComponent("blob2"))
        try FileManager.default.createSymbolicLink(
            atPath: snapshot.appendingPathComponent("tokenizer.json").path, withDestinationPath: "../../blobs/blob2")
        for (index, file) in ["config.json", "model.safetensors"].enumerated() {
            let blob = "blob\(index)"
            try FileManager.default.copyItem(
                at: Samples.url("tiny/llama/hf-f32/\(file)"), to: blobs.appendingPathComponent(blob))
            try FileManager.default.createSymbolicLink(
                atPath: snapshot.appendingPathComponent(file).path, withDestinationPath: "../../blobs/\(blob)")
        }
        try Data(Self.commit.utf8).write(to: repository.appendingPathComponent("refs/main"))
        return root
    }

    @Test func namesResolveToTheSnapshot() throws {
        let root = try fakeCache()
        let environment = ["HF_HUB_CACHE": root.path]
        let snapshot = root.appendingPathComponent("models--tiny-org--tiny-llama/snapshots/\(Self.commit)").path
        #expect(try HuggingFaceCache.resolve("hf:tiny-org/tiny-llama", environment: environment) == snapshot)
        #expect(try HuggingFaceCache.resolve("hf:tiny-org/tiny-llama@main", environment: environment) == snapshot)
        #expect(try HuggingFaceCache.resolve("hf:tiny-org/tiny-llama@\(Self.commit)", environment: environment) == snapshot)
        #expect(try HuggingFaceCache.resolve(root.path + "/models--tiny-org--tiny-llama", environment: [:]) == snapshot)
        #expect(try HuggingFaceCache.resolve("Samples/tiny/llama/hf-f32", environment: environment) == "Samples/tiny/llama/hf-f32")
        // HF_HOME/hub when HF_HUB_CACHE is unset.
        let home = root.deletingLastPathComponent().path
        #expect(HuggingFaceCache.cacheRoot(["HF_HOME": home]) == home + "/hub")
        #expect(HuggingFaceCache.cacheRoot(["HOME": "/home/u"]) == "/home/u/.cache/huggingface/hub")
    }

    @Test func missingModelsAndRevisionsAreNamed() throws {
        let environment = ["HF_HUB_CACHE": try fakeCache().path]
        let cases: [(String, String)] = [
            ("hf:tiny-org/absent", "not in the Hugging Face cache"),
            ("hf:tiny-org/tiny-llama@v2", "the cache has no revision v2"),
            ("hf:tiny-llama", "expected hf:ORG/NAME"),
            ("hf:../x/y", "expected hf:ORG/NAME"),
            ("hf:tiny-org/tiny-llama@../../etc", "is not a branch, tag or commit"),
        ]
        for (name, fragment) in cases {
            do {
                _ = try HuggingFaceCache.resolve(name, environment: environment)
                Issue.record("\(name) resolved")
            } catch {
                #expect(error.file == name && error.problem.contains(fragment), "\(error)")
            }
        }
    }

    /// Every command takes the name: plan, convert (into a directory outside the cache), validate, logits.
    @Test func commandsTakeCachedModels() throws {
        let root = try fakeCache()
        var environment = ProcessInfo.processInfo.environment
        environment["HF_HUB_CACHE"] = root.path
        let output = try makeScopedTemporaryDirectory("hf-out").appendingPathComponent("converted").path
        let plan = try runCkpt(["plan", "hf:tiny-org/tiny-llama"], environment: environment)
        #expect(plan.status == 0, "\(plan.stderr)")
        let convert = try runCkpt(["convert", "hf:tiny-org/tiny-llama", output, "--precompute-first-layer"], environment: environment)
        #expect(convert.status == 0, "\(convert.stderr)")
        // The tokenizer, a link into the cache's blobs, is copied as the file it names.
        let tokenizer = URL(fileURLWithPath: output).appendingPathComponent("tokenizer.json")
        #expect(try FileManager.default.attributesOfItem(atPath: tokenizer.path)[.type] as? FileAttributeType == .typeRegular)
        #expect(try Data(contentsOf: tokenizer) == Data(#"{"version": "1.0"}"#.utf8))
        let validate = try runCkpt(["validate", "hf:tiny-org/tiny-llama", output], environment: environment)
        #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
        let missing = try runCkpt(["inspect", "hf:tiny-org/absent"], environment: environment)
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("ckpt: error: hf:tiny-org/absent: not in the Hugging Face cache"))
    }
}

/// A side file `convert` copies (a tokenizer) is held to what the model's own files are: a FIFO is
/// refused at once rather than read forever.
@Suite(.removesTemporaryDirectories) struct SideFileTests {
    @Test func aFifoTokenizerIsRefused() throws {
        let model = try makeScopedTemporaryDirectory("fifo-side")
        for file in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(
                at: Samples.url("tiny/llama/hf-f32/\(file)"), to: model.appendingPathComponent(file))
        }
        let fifo = model.appendingPathComponent("tokenizer.json").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let output = try makeScopedTemporaryDirectory("fifo-side-out").appendingPathComponent("out").path
        let timed = try runCkpt(["convert", model.path, output, "--precompute-first-layer"], within: 60)
        #expect(!timed.timedOut)
        let run = timed.run
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("ckpt: error: ") && run.stderr.contains("is a FIFO, not a regular file"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
