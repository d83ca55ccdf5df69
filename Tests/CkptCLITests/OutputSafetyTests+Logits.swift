import CkptTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `logits --out` and `decompress` keep to `convert`'s rules: an existing file is replaced only with
/// `--force` and only when regular, and no output lies in, contains or is an input.
extension OutputSafetyTests {
    /// Runs `logits MODEL --tokens 1,2 --out OUT` (plus `extra`) and expects a refusal naming `problem`,
    /// with nothing changed and no wait on a FIFO.
    func expectLogitsRefusal(
        _ workspace: Workspace, model: String, out: String, _ problem: String, flags extra: [String] = ["--force"],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let before = try workspace.snapshot()
        let timed = try runCkpt(["logits", model, "--tokens", "1,2", "--out", out] + extra, within: 60)
        #expect(!timed.timedOut, "blocked on \(out)", sourceLocation: sourceLocation)
        #expect(timed.run.status == 2, "\(timed.run.stderr)", sourceLocation: sourceLocation)
        #expect(timed.run.stderr.hasPrefix("ckpt: error: \(out): "), "\(timed.run.stderr)", sourceLocation: sourceLocation)
        #expect(timed.run.stderr.contains(problem), "\(timed.run.stderr)", sourceLocation: sourceLocation)
        #expect(try workspace.snapshot() == before, "logits --out \(out) changed files", sourceLocation: sourceLocation)
    }

    @Test func logitsNeverWritesOverItsModel() throws {
        let w = try Workspace()
        try expectLogitsRefusal(w, model: w.gguf, out: w.gguf, "output would overwrite the input")
        try expectLogitsRefusal(w, model: w.hf, out: w.path("models/llama/model.safetensors"), "output lies inside the input")
        try expectLogitsRefusal(w, model: w.hf, out: w.path("models/llama/logits.npy"), "output lies inside the input")
        try expectLogitsRefusal(w, model: w.hf, out: w.path("models/llama/logits.npy"), "output lies inside the input", flags: [])
    }

    @Test func logitsRefusesToReplaceWhatIsNoRegularFile() throws {
        let w = try Workspace()
        try expectLogitsRefusal(w, model: w.gguf, out: w.path("models/a"), "is a directory, not a regular file")
        // Beside the workspace, whose snapshot would block reading a FIFO.
        let fifo = try makeScopedTemporaryDirectory("fifo").appendingPathComponent("pipe.npy").path
        #expect(mkfifo(fifo, 0o644) == 0)
        try expectLogitsRefusal(w, model: w.gguf, out: fifo, "is a FIFO, not a regular file")
        try expectLogitsRefusal(w, model: w.gguf, out: fifo, "is a FIFO, not a regular file", flags: [])
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        let timed = try runCkpt(["logits", w.gguf, "--tokens", "1,2", "--out", "/dev/null", "--force"], within: 60)
        #expect(
            timed.run.status == 2 && timed.run.stderr.contains("/dev/null: is a character device, not a regular file"),
            "\(timed.run.stderr)")
    }

    @Test func decompressKeepsOutputAndInputApart() throws {
        let w = try Workspace()
        let run = try runCkpt(["convert", w.hf, w.path("zstd"), "--precompute-first-layer", "--compress", "zstd"])
        try #require(run.status == 0, "\(run.stderr)")
        for (output, problem) in [
            (w.path("zstd/plain"), "output lies inside the input"), (w.path("."), "output contains the input"),
            (w.path("zstd"), "output would overwrite the input"),
        ] {
            let before = try w.snapshot()
            let refused = try runCkpt(["decompress", w.path("zstd"), output, "--force"])
            #expect(refused.status == 2 && refused.stderr.contains(problem), "\(output): \(refused.stderr)")
            #expect(try w.snapshot() == before)
        }
    }
}
