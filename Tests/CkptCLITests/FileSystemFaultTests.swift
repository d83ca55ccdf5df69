import CkptTestSupport
import Foundation
import Testing

/// File-system faults while converting: a read-only output directory, `--link` across file systems, a
/// disk that fills during the write (ENOSPC) and one that fails (EIO). Each ends with exit 2 and one
/// line naming OUTPUT as the user gave it (never the temporary name being written), or, for `--link`,
/// with a copy.
@Suite(.removesTemporaryDirectories, .serialized) struct FileSystemFaultTests {
    /// Exit 2 and one line `ckpt: error: OUTPUT: …` that mentions `reason` and no temporary name.
    func expectOneLineNaming(
        _ output: String, _ run: (status: Int32, stderr: String), reason: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(run.status == 2, sourceLocation: sourceLocation)
        #expect(run.stderr.hasPrefix("ckpt: error: \(output): "), "\(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stderr.contains(reason), "\(run.stderr)", sourceLocation: sourceLocation)
        #expect(!run.stderr.contains("ckpt-partial"), "\(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)", sourceLocation: sourceLocation)
    }

    @Test(.requiresTmpfs, arguments: ["llama/model.gguf", "llama/hf-f32"])
    func readOnlyOutputDirectory(_ source: String) throws {
        let disk = try #require(SmallDisk(bytes: 1 << 20))
        defer { withExtendedLifetime(disk) {} }  // mounted until the test ends
        #expect(disk.remountReadOnly())
        let output = disk.url.appendingPathComponent(source.hasSuffix(".gguf") ? "out.gguf" : "out").path
        let run = try runCkpt(["convert", Samples.url("tiny/\(source)").path, output, "--precompute-first-layer"])
        expectOneLineNaming(output, (run.status, run.stderr), reason: "Read-only file system")
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk.url.path) == [])
    }

    /// `--link` with OUTPUT on another file system than INPUT: the unchanged shard is copied instead.
    @Test(.requiresTmpfs) func linkAcrossFileSystemsFallsBackToACopy() throws {
        let dir = try makeScopedTemporaryDirectory("link-across")
        let source = dir.appendingPathComponent("wide").path
        try WideVocabularyModel.write(to: source, vocabulary: 1_000)
        let reference = dir.appendingPathComponent("reference").path
        #expect(try runCkpt(["convert", source, reference, "--precompute-first-layer"]).status == 0)
        let disk = try #require(SmallDisk(bytes: 16 << 20))
        defer { withExtendedLifetime(disk) {} }  // mounted until the test ends
        let output = disk.url.appendingPathComponent("out").path
        let run = try runCkpt(["convert", source, output, "--precompute-first-layer", "--link"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try WideVocabularyModel.hashes(of: output) == WideVocabularyModel.hashes(of: reference))
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk.url.path) == ["out"])
    }

    /// The free-space check passes (the file system promises 64 MiB) but the disk fills mid-write.
    @Test(.requiresTmpfs, .requiresLoopExt4) func diskThatFillsDuringTheWrite() throws {
        let dir = try makeScopedTemporaryDirectory("disk-fills")
        let source = dir.appendingPathComponent("wide").path
        try WideVocabularyModel.write(to: source, vocabulary: 8_000)
        let disk = try #require(OvercommittedExt4(megabytes: 64, backingMegabytes: 3))
        defer { withExtendedLifetime(disk) {} }  // mounted until the test ends
        let output = disk.url.appendingPathComponent("out").path
        let run = try runCkpt(["convert", source, output, "--precompute-first-layer"])
        expectOneLineNaming(output, (run.status, run.stderr), reason: "disk full")
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk.url.path).filter { $0 != "lost+found" } == [])
    }

    /// The output's file system fails (EIO on every call) while the table is being written.
    @Test(.requiresLoopExt4, arguments: [[], ["--compress", "zstd:3"]])
    func diskThatFailsDuringTheWrite(_ options: [String]) throws {
        let dir = try makeScopedTemporaryDirectory("disk-fails")
        let source = dir.appendingPathComponent("wide").path
        try WideVocabularyModel.write(to: source, vocabulary: 8_000)
        let disk = try #require(LoopExt4(megabytes: 64))
        defer { withExtendedLifetime(disk) {} }  // mounted until the test ends
        let output = disk.url.appendingPathComponent("out").path
        let process = Process()
        process.executableURL = ckptExecutable
        process.arguments = ["convert", source, output, "--precompute-first-layer"] + options
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline,
            !((try? FileManager.default.contentsOfDirectory(atPath: disk.url.path)) ?? []).contains(where: { $0.contains("ckpt-partial") })
        {
            usleep(2_000)
        }
        #expect(disk.shutDown())
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        expectOneLineNaming(output, (process.terminationStatus, stderr), reason: "Input/output error")
    }
}
