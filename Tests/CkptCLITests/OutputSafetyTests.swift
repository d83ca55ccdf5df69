import CkptTestSupport
import Foundation
import Testing

/// `convert` never destroys what it did not write: every refusal happens before any work, exits 2
/// with one line, and leaves the input and every unrelated file as they were (hashes before/after).
@Suite(.removesTemporaryDirectories) struct OutputSafetyTests {
    /// A workspace: `models/llama` (a Hugging Face copy of the tiny llama), `models/notes.txt`,
    /// `models/a/b/c.txt`, `llama.gguf`.
    struct Workspace {
        let root: URL
        var hf: String { root.appendingPathComponent("models/llama").path }
        var gguf: String { root.appendingPathComponent("llama.gguf").path }
        func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

        init() throws {
            root = try makeScopedTemporaryDirectory("output-safety")
            let manager = FileManager.default
            try manager.createDirectory(atPath: root.appendingPathComponent("models/a/b").path, withIntermediateDirectories: true)
            try manager.copyItem(at: Samples.url("tiny/llama/hf-f32"), to: root.appendingPathComponent("models/llama"))
            try manager.copyItem(at: Samples.url("tiny/llama/model.gguf"), to: root.appendingPathComponent("llama.gguf"))
            try Data("keep me\n".utf8).write(to: root.appendingPathComponent("models/notes.txt"))
            try Data("deep\n".utf8).write(to: root.appendingPathComponent("models/a/b/c.txt"))
        }

        /// Every file under the workspace and its SHA-256.
        func snapshot() throws -> [String: String] {
            var hashes: [String: String] = [:]
            let enumerator = try #require(FileManager.default.enumerator(atPath: root.path))
            while let relative = enumerator.nextObject() as? String {
                var isDirectory: ObjCBool = false
                let full = path(relative)
                _ = FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory)
                hashes[relative] = isDirectory.boolValue ? "dir" : try sha256File(full)
            }
            return hashes
        }
    }

    /// Runs `convert` with `arguments` and expects a refusal naming `problem`, with nothing changed.
    func expectRefusal(_ workspace: Workspace, _ arguments: [String], _ problem: String, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        let before = try workspace.snapshot()
        let run = try runCkpt(["convert"] + arguments + ["--precompute-first-layer"])
        #expect(run.status == 2, "\(arguments): \(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stderr.hasPrefix("ckpt: error: "), sourceLocation: sourceLocation)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stderr.contains(problem), "\(run.stderr)", sourceLocation: sourceLocation)
        #expect(try workspace.snapshot() == before, "\(arguments) changed files", sourceLocation: sourceLocation)
    }

    @Test func refusesAnOutputThatContainsTheInput() throws {
        let w = try Workspace()
        try expectRefusal(w, [w.hf, w.path("models"), "--force"], "models: output contains the input")
        try expectRefusal(w, [w.hf, w.root.path, "--force"], "output contains the input")
        try expectRefusal(w, [w.gguf, w.path("."), "--force"], "a GGUF input converts to a GGUF file")
    }

    @Test func refusesAnOutputInsideTheInput() throws {
        let w = try Workspace()
        try expectRefusal(w, [w.hf, w.path("models/llama/converted"), "--force"], "output lies inside the input")
    }

    @Test func refusesToOverwriteTheInput() throws {
        let w = try Workspace()
        try expectRefusal(w, [w.gguf, w.gguf, "--force"], "output would overwrite the input")
        try expectRefusal(w, [w.hf, w.hf, "--force"], "output would overwrite the input")
    }

    @Test func refusesADirectoryThatIsNoCkptOutput() throws {
        let w = try Workspace()
        // A folder of notes, and a Hugging Face model nobody converted.
        try expectRefusal(w, [w.hf, w.path("models/a"), "--force"], "holds what ckpt does not write (b)")
        try FileManager.default.copyItem(atPath: Samples.url("tiny/qwen2/hf-f32").path, toPath: w.path("other"))
        try expectRefusal(w, [w.hf, w.path("other"), "--force"], "is not a ckpt output (it holds config.json, model.safetensors")
        // A GGUF input never writes into a directory, even one named like a GGUF file.
        try FileManager.default.createDirectory(atPath: w.path("dir.gguf"), withIntermediateDirectories: false)
        try expectRefusal(w, [w.gguf, w.path("dir.gguf"), "--force"], "is a directory; a GGUF input converts to a .gguf file")
    }

    @Test func refusesANameOfTheOtherContainer() throws {
        let w = try Workspace()
        try expectRefusal(w, [w.gguf, w.path("out.safetensors")], "a GGUF input converts to a GGUF file; give OUTPUT a .gguf name")
        try expectRefusal(w, [w.gguf, w.path("out")], "give OUTPUT a .gguf name")
        try expectRefusal(w, [w.hf, w.path("x.gguf")], "a Hugging Face input converts to a directory, not a single .gguf file")
        try expectRefusal(w, [w.hf, w.path("x.safetensors")], "not a single .safetensors file")
    }

    @Test func forceReplacesOnlyFilesOfItsOwnContainer() throws {
        let w = try Workspace()
        try Data("not a model\n".utf8).write(to: URL(fileURLWithPath: w.path("notes.gguf")))
        try expectRefusal(w, [w.gguf, w.path("notes.gguf"), "--force"], "is not a GGUF file; --force replaces only a GGUF file")
        try expectRefusal(w, [w.hf, w.path("models/notes.txt"), "--force"], "is a file; a Hugging Face input converts to a directory")
        try expectRefusal(w, [w.gguf, w.path("missing/out.gguf")], "does not exist")
    }

    @Test func existingOutputsNeedForce() throws {
        let w = try Workspace()
        var run = try runCkpt(["convert", w.hf, w.path("out"), "--precompute-first-layer"])
        #expect(run.status == 0, "\(run.stderr)")
        try expectRefusal(w, [w.hf, w.path("out")], "already exists (use --force to replace it)")
        // A previous ckpt output is replaced; the replacement is a complete conversion.
        run = try runCkpt(["convert", w.hf, w.path("out"), "--precompute-first-layer", "--force", "--table-dtype", "bf16"])
        #expect(run.status == 0, "\(run.stderr)")
        let config = try String(contentsOfFile: w.path("out/config.json"), encoding: .utf8)
        #expect(config.contains("--table-dtype bf16"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.root.path).allSatisfy { !$0.contains("ckpt-partial") })
        // Once it holds something else, it is no longer replaced.
        try Data("mine\n".utf8).write(to: URL(fileURLWithPath: w.path("out/notes.txt")))
        try expectRefusal(w, [w.hf, w.path("out"), "--force"], "holds what ckpt does not write (notes.txt)")
        // An empty directory is free to fill, --force or not.
        try FileManager.default.createDirectory(atPath: w.path("empty"), withIntermediateDirectories: false)
        run = try runCkpt(["convert", w.hf, w.path("empty"), "--precompute-first-layer"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: w.path("empty/model.safetensors")))
        // GGUF: a previous GGUF output is replaced with --force only.
        run = try runCkpt(["convert", w.gguf, w.path("out.gguf"), "--precompute-first-layer"])
        #expect(run.status == 0, "\(run.stderr)")
        try expectRefusal(w, [w.gguf, w.path("out.gguf")], "already exists (use --force to replace it)")
        run = try runCkpt(["convert", w.gguf, w.path("out.gguf"), "--precompute-first-layer", "--force"])
        #expect(run.status == 0, "\(run.stderr)")
    }

    @Test func refusalsComeBeforeAnyWork() throws {
        // The q8_0 refusal for rows that are not whole blocks, and the GGUF-only q8_0, happen up front.
        let w = try Workspace()
        try FileManager.default.copyItem(atPath: Samples.url("tiny/falcon-7b/model.gguf").path, toPath: w.path("falcon.gguf"))
        try expectRefusal(w, [w.path("falcon.gguf"), w.path("f.gguf"), "--table-dtype", "q8_0"], "not whole Q8_0 blocks")
        try expectRefusal(w, [w.hf, w.path("q8"), "--table-dtype", "q8_0"], "q8_0 is only available for GGUF output")
    }
}
