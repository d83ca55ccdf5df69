import CkptTestSupport
import Foundation
import Testing

/// Ctrl-C during a conversion: exit code 2, one line on stderr, nothing at OUTPUT, no partial file left.
@Suite struct InterruptTests {
    @Test(.requiresSmolLM2) func interruptedConversionLeavesNothing() throws {
        let smol = try requireSmolLM2Path()
        let dir = try makeTemporaryDirectory("interrupt")
        defer { removeTemporaryDirectory(dir) }
        let output = dir.appendingPathComponent("smol.gguf").path
        let process = Process()
        process.executableURL = ckptExecutable
        process.arguments = ["convert", smol, output, "--precompute-first-layer", "--threads", "1"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        // Wait until the partial file exists, so the signal lands in the middle of writing.
        let deadline = Date().addingTimeInterval(60)
        // (The lock file beside OUTPUT comes first: wait for the partial output itself.)
        while Date() < deadline,
            !((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).contains(where: { $0.contains("ckpt-partial") })
        {
            usleep(20_000)
        }
        usleep(200_000)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 2)
        #expect(stderr.contains("ckpt: error: \(output): interrupted; the partial output was removed"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [])
    }
}
