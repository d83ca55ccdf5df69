import CkptTestSupport
import Foundation
import Testing

/// Two runs writing one OUTPUT: the lock beside it lets one through and turns the other away with one
/// line; concurrent `convert --force` runs always leave one whole output, never a mix of two.
@Suite(.removesTemporaryDirectories) struct OutputLockTests {
    @Test func convertRefusesAnOutputAnotherRunIsWriting() throws {
        let dir = try makeScopedTemporaryDirectory("output-lock")
        let output = dir.appendingPathComponent("out.gguf").path
        let lockPath = dir.appendingPathComponent(".out.gguf.ckpt-lock").path
        let arguments = ["convert", Samples.url("tiny/llama/model.gguf").path, output, "--precompute-first-layer"]
        let holder = open(lockPath, O_RDWR | O_CREAT, 0o644)
        #expect(flock(holder, LOCK_EX) == 0)
        let refused = try runCkpt(arguments)
        #expect(refused.status == 2)
        #expect(refused.stderr == "ckpt: error: \(output): another ckpt is writing it (it holds \(lockPath)); wait for it to finish\n")
        #expect(!FileManager.default.fileExists(atPath: output))
        unlink(lockPath)
        close(holder)
        let run = try runCkpt(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.gguf"])
    }

    /// Three runs with different options into one split GGUF OUTPUT (three files renamed into place),
    /// three times over: each ends with exit 0 or the lock's one line, and the files are always all
    /// of one run.
    @Test func concurrentForcedConversionsLeaveOneWholeOutput() throws {
        let dir = try makeScopedTemporaryDirectory("output-race")
        let source = Samples.url("zoo/llama-split/llama-00001-of-00003.gguf").path
        let variants = [["--table-dtype", "f32"], ["--table-dtype", "f16"], ["--compress", "zstd:3"]]
        var references: [[String: String]] = []
        for (index, variant) in variants.enumerated() {
            let reference = dir.appendingPathComponent("reference-\(index)")
            try FileManager.default.createDirectory(at: reference, withIntermediateDirectories: false)
            let run = try runCkpt(
                ["convert", source, reference.appendingPathComponent("out.gguf").path, "--precompute-first-layer"] + variant)
            #expect(run.status == 0, "\(run.stderr)")
            references.append(try WideVocabularyModel.hashes(of: reference.path))
        }
        let outputDirectory = dir.appendingPathComponent("race")
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: false)
        let output = outputDirectory.appendingPathComponent("out.gguf").path
        for round in 0..<3 {
            let runs = variants.map { variant in
                let process = Process()
                process.executableURL = ckptExecutable
                process.arguments = ["convert", source, output, "--precompute-first-layer", "--force"] + variant
                let errors = Pipe()
                process.standardError = errors
                process.standardOutput = FileHandle.nullDevice
                return (process, errors)
            }
            for (process, _) in runs { try process.run() }
            for (process, errors) in runs {
                let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                #expect(process.terminationReason == .exit)
                #expect(
                    process.terminationStatus == 0
                        || (process.terminationStatus == 2 && stderr.hasPrefix("ckpt: error: \(output): another ckpt is writing it")
                            && stderr.split(separator: "\n").count == 1),
                    "round \(round): exit \(process.terminationStatus): \(stderr)")
            }
            let now = try WideVocabularyModel.hashes(of: outputDirectory.path)
            #expect(references.contains(now), "round \(round): \(now.keys.sorted())")
        }
    }
}
