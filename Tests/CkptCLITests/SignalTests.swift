import CkptTestSupport
import Foundation
import Testing

/// Ctrl-C and SIGTERM stop `convert` (at the default thread count, mid-way through a zstd:19 table)
/// and `validate` within half a second: exit 2, one line, partial output gone, a previous output that
/// `--force` would have replaced kept as it was.
@Suite(.removesTemporaryDirectories, .requiresSmolLM2, .serialized) struct SignalTests {
    /// Starts `ckpt arguments`, waits until `ready()` holds (then `settle` seconds more), sends
    /// `signal`, and returns the exit status, stderr and the seconds from the signal to the exit.
    func interrupt(
        _ arguments: [String], signal: Int32, settle: Double = 0.3, ready: () -> Bool
    ) throws -> (status: Int32, stderr: String, seconds: Double) {
        let process = Process()
        process.executableURL = ckptExecutable
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, process.isRunning, !ready() { usleep(10_000) }
        usleep(useconds_t(settle * 1e6))
        #expect(process.isRunning, "finished before the signal: the test needs a longer job")
        let sent = Date()
        kill(process.processIdentifier, signal)
        while process.isRunning, Date().timeIntervalSince(sent) < 10 { usleep(2_000) }
        let seconds = Date().timeIntervalSince(sent)
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, stderr, seconds)
    }

    /// Exit 2 within half a second of the signal, with exactly `message` on stderr.
    func expectStoppedAtOnce(
        _ result: (status: Int32, stderr: String, seconds: Double), message: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status == 2, sourceLocation: sourceLocation)
        #expect(result.seconds < 0.5, "answered after \(result.seconds) s", sourceLocation: sourceLocation)
        #expect(result.stderr == message, sourceLocation: sourceLocation)
    }

    func hasPartialFile(_ dir: URL) -> Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).contains { $0.contains("ckpt-partial") }
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func convertStopsAtOnceAndKeepsThePreviousOutput(_ signal: Int32) throws {
        let smol = try requireSmolLM2Path()
        let dir = try makeScopedTemporaryDirectory("signal-convert")
        let output = dir.appendingPathComponent("smol.gguf").path
        // The previous output --force would replace: any GGUF file.
        try FileManager.default.copyItem(atPath: Samples.url("tiny/llama/model.gguf").path, toPath: output)
        let previous = try sha256File(output)
        let result = try interrupt(
            ["convert", smol, output, "--precompute-first-layer", "--force", "--compress", "zstd:19"], signal: signal
        ) { hasPartialFile(dir) }
        expectStoppedAtOnce(result, message: "ckpt: error: \(output): interrupted; the partial output was removed\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["smol.gguf"])
        #expect(try sha256File(output) == previous)
    }

    @Test func convertToADirectoryStopsAndKeepsThePreviousOutput() throws {
        let dir = try makeScopedTemporaryDirectory("signal-hf")
        let source = dir.appendingPathComponent("wide").path
        try WideVocabularyModel.write(to: source, vocabulary: 200_000, sharded: false)
        let output = dir.appendingPathComponent("out").path
        let run = try runCkpt(["convert", source, output, "--precompute-first-layer"])
        #expect(run.status == 0, "\(run.stderr)")
        let previous = try sha256File(output + "/model.safetensors")
        let result = try interrupt(
            ["convert", source, output, "--precompute-first-layer", "--force", "--compress", "zstd:19"], signal: SIGINT
        ) { hasPartialFile(dir) }
        expectStoppedAtOnce(result, message: "ckpt: error: \(output): interrupted; the partial output was removed\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["out", "wide"])
        #expect(try sha256File(output + "/model.safetensors") == previous)
    }

    @Test func validateStopsAtOnce() throws {
        let smol = try requireSmolLM2Path()
        let dir = try makeScopedTemporaryDirectory("signal-validate")
        let converted = dir.appendingPathComponent("smol.gguf").path
        let run = try runCkpt(["convert", smol, converted, "--precompute-first-layer"])
        #expect(run.status == 0, "\(run.stderr)")
        let result = try interrupt(["validate", smol, converted, "--full-audit"], signal: SIGTERM, settle: 1.0) { true }
        expectStoppedAtOnce(result, message: "ckpt: error: \(converted): interrupted\n")
    }
}
