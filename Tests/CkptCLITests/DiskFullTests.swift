import CkptFormats
import CkptStorage
import CkptTestSupport
import Foundation
import Testing

/// A full disk: one line naming the output, exit 2, and nothing left behind.
@Suite struct DiskFullTests {
    @Test(.requiresTmpfs, arguments: ["llama/model.gguf", "gpt_neox/hf-f32"])
    func conversionThatCannotFitIsRefusedUpFront(_ source: String) throws {
        let disk = try #require(SmallDisk(bytes: 64 << 10))
        defer { withExtendedLifetime(disk) {} }  // mounted until the test ends
        let output = disk.url.appendingPathComponent(source.hasSuffix(".gguf") ? "out.gguf" : "out").path
        let run = try runCkpt(["convert", Samples.url("tiny/\(source)").path, output, "--precompute-first-layer"])
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix("ckpt: error: \(output): not enough disk space: need "), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk.url.path) == [])
    }

    /// When the disk fills during the write, the error says so and the temporary file is gone.
    @Test(.requiresTmpfs) func writeThatRunsOutOfSpaceLeavesNothing() throws {
        let disk = try #require(SmallDisk(bytes: 64 << 10))
        defer { withExtendedLifetime(disk) {} }  // mounted until the test ends
        let path = disk.url.appendingPathComponent("big.bin").path
        let file = try OutputFile(path: path)
        #expect(throws: FormatError(file: path, "cannot write: disk full")) {
            for _ in 0..<64 { try file.write([UInt8](repeating: 7, count: 8 << 10)) }
            try file.commit()
        }
        file.abandon()
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk.url.path) == [])
    }
}
