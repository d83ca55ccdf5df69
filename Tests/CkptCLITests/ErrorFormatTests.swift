import CkptTestSupport
import Foundation
import Testing

/// Every exit-2 path prints exactly one line `ckpt: error: …`, usage errors included.
@Suite(.removesTemporaryDirectories) struct ErrorFormatTests {
    static let gguf = Samples.url("tiny/llama/model.gguf").path
    static let hf = Samples.url("tiny/llama/hf-f32").path

    /// Arguments, and a fragment the one line must hold.
    static let cases: [([String], String)] = [
        (["frobnicate"], "unexpected argument 'frobnicate'"),
        (["help", "frobnicate"], "no command 'frobnicate' (commands: inspect, plan, convert, decompress, validate, logits)"),
        (["inspect"], "missing expected argument '<model>' (see 'ckpt inspect --help')"),
        (["inspect", "/nonexistent/model.gguf"], "/nonexistent/model.gguf:"),
        (["inspect", gguf, "--bogus"], "unknown option '--bogus'"),
        (["convert", gguf], "missing expected argument '<output>'"),
        (["convert", gguf, "out.gguf"], "--precompute-first-layer is required"),
        (["convert", gguf, "out.gguf", "--precompute-first-layer", "--threads", "-1"], "--threads must be positive"),
        (["convert", gguf, "out.gguf", "--precompute-first-layer", "--threads", "0"], "--threads must be positive"),
        (["convert", gguf, "out.gguf", "--precompute-first-layer", "--threads", "many"], "'many' is invalid for '--threads"),
        (["convert", gguf, "out.gguf", "--precompute-first-layer", "--table-dtype", "q4"], "'q4' is invalid for '--table-dtype"),
        (["convert", gguf, "out.gguf", "--precompute-first-layer", "--compress", "gzip"], "--compress takes zstd or zstd:LEVEL"),
        (["convert", gguf, "out.gguf", "--precompute-first-layer", "--compress", "zstd:99"], "a level from -100 to 22"),
        (["validate", gguf, gguf, "--sequences", "-3"], "--sequences must be positive"),
        (["validate", gguf, gguf, "--random", "1"], "--random must be at least 2"),
        (["validate", gguf, gguf, "--max-kld", "-1"], "--max-kld must be a number 0 or above"),
        (["validate", gguf, gguf, "--min-same-top", "150"], "--min-same-top is a percentage, 0 to 100"),
        (["validate", gguf, gguf, "--tokens", "1"], "--tokens needs at least 2 tokens"),
        (["validate", gguf, hf], "has no precomputed first-layer table"),
        (["logits", gguf, "--tokens", "1,x", "--out", "/tmp/never.npy"], "'1,x' is invalid for '--tokens"),
        (
            ["logits", gguf, "--tokens", "1,300", "--out", "/tmp/ckpt-never-written.npy"],
            "token id 300 is outside the vocabulary, 0 to 299"
        ),
        (["plan", gguf, "--batch", "0"], "batch sizes must be positive"),
        (["plan", gguf, "--batch", "-16"], "batch sizes must be positive"),
        (["logits", gguf, "--tokens", "-1,2", "--out", "/tmp/ckpt-never-written.npy"], "--tokens takes token ids, 0 or above"),
        (["validate", gguf, gguf, "--tokens", "1,-2"], "--tokens takes token ids, 0 or above"),
        (["convert", gguf, "out.gguf", "--precompute-first-layer", "--threads"], "missing value for '--threads <threads>'"),
        (["validate", gguf], "missing expected argument '<converted>'"),
    ]

    @Test(arguments: cases)
    func usageAndInputErrorsAreOneLine(_ arguments: [String], _ fragment: String) throws {
        let run = try runCkpt(arguments)
        #expect(run.status == 2, "\(arguments): \(run.stderr)")
        #expect(run.stderr.hasPrefix("ckpt: error: "), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n", omittingEmptySubsequences: false).count == 2, "\(run.stderr)")
        #expect(run.stderr.contains(fragment), "\(run.stderr)")
        #expect(!run.stderr.contains("..<") && !run.stderr.contains("Error:"), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test func helpAndVersionStillWork() throws {
        for arguments in [["--help"], ["help", "convert"], ["convert", "--help"], ["--version"]] {
            let run = try runCkpt(arguments)
            #expect(run.status == 0, "\(arguments)")
            #expect(!run.stdout.isEmpty)
            #expect(run.stderr.isEmpty)
        }
    }

    @Test func logitsRefusesToOverwriteWithoutForce() throws {
        let dir = try makeScopedTemporaryDirectory("logits-out")
        let out = dir.appendingPathComponent("l.npy").path
        try Data("precious".utf8).write(to: URL(fileURLWithPath: out))
        var run = try runCkpt(["logits", Self.gguf, "--tokens", "1,2", "--out", out])
        #expect(run.status == 2)
        #expect(run.stderr == "ckpt: error: \(out): already exists (use --force to replace it)\n")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "precious")
        run = try runCkpt(["logits", Self.gguf, "--tokens", "1,2", "--out", out, "--force"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)).prefix(6) == Data([0x93] + Array("NUMPY".utf8)))
    }
}
