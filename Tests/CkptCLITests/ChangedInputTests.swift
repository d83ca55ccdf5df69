import CkptFormats
import CkptTestSupport
import Foundation
import Testing

/// An input truncated while ckpt has it mapped: one line naming that input ("… while in use"), exit 2,
/// never a SIGBUS death and never a message about the output, whenever the truncation lands.
@Suite(.removesTemporaryDirectories, .requiresSmolLM2, .serialized) struct ChangedInputTests {
    @Test(arguments: ["logits", "convert"])
    func truncatedInputIsNamedNeverACrash(_ command: String) throws {
        let smol = try requireSmolLM2Path()
        let dir = try makeScopedTemporaryDirectory("changed-input")
        let model = dir.appendingPathComponent("model.gguf").path
        let attributes = try FileManager.default.attributesOfItem(atPath: smol)
        let size = try #require(attributes[.size] as? Int)
        var generator = SplitMix64(seed: command == "logits" ? 6 : 7)
        for run in 0..<(command == "logits" ? 4 : 2) {
            try? FileManager.default.removeItem(atPath: model)
            try FileManager.default.copyItem(atPath: smol, toPath: model)
            let output = dir.appendingPathComponent(command == "logits" ? "logits.npy" : "out.gguf").path
            let process = Process()
            process.executableURL = ckptExecutable
            process.arguments =
                command == "logits"
                ? ["logits", model, "--tokens", "1,2,3", "--out", output] : ["convert", model, output, "--precompute-first-layer"]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let delay = 0.3 + 1.2 * generator.nextUnit()
            usleep(useconds_t(delay * 1e6))
            #expect(truncate(model, 4096) == 0)
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let label = "\(command) run \(run), truncated after \(Int(delay * 1000)) ms"
            #expect(process.terminationReason == .exit, "\(label): killed by signal \(process.terminationStatus)")
            if process.terminationStatus != 0 {
                #expect(process.terminationStatus == 2, "\(label)")
                #expect(stderr == "ckpt: error: \(model): file shrank from \(size) to 4096 bytes while in use\n", "\(label): \(stderr)")
            }
            try? FileManager.default.removeItem(atPath: output)
            let entries = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            #expect(entries == ["model.gguf"], "\(label): left \(entries)")
        }
    }
}
