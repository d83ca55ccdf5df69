import CkptFormats
import CkptStorage
import CkptTestSupport
import Foundation
import Testing

/// `OutputFile.commitAll`: several files land together, or none of them does.
@Suite struct OutputFileTests {
    @Test func commitAllPutsEveryFileInPlace() throws {
        let directory = try makeTemporaryDirectory("commit-all")
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = (1...3).map { directory.appendingPathComponent("part-\($0).bin").path }
        let files = try paths.map { path in try OutputFile(path: path) }
        for (index, file) in files.enumerated() { try file.write([UInt8](repeating: UInt8(index), count: 10)) }
        try OutputFile.commitAll(files)
        for (index, path) in paths.enumerated() {
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(repeating: UInt8(index), count: 10))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).count == 3)
    }

    /// The second rename fails (a directory is in the way): the first file is removed again, and no
    /// temporary file is left.
    @Test func failedRenameRemovesTheFilesAlreadyInPlace() throws {
        let directory = try makeTemporaryDirectory("commit-all-fails")
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = (1...3).map { directory.appendingPathComponent("part-\($0).bin").path }
        let files = try paths.map { path in try OutputFile(path: path, overwrite: true) }
        for file in files { try file.write([1, 2, 3]) }
        try FileManager.default.createDirectory(atPath: paths[1], withIntermediateDirectories: false)
        try Data([1]).write(to: URL(fileURLWithPath: paths[1] + "/keep"))
        #expect(throws: FormatError.self) { try OutputFile.commitAll(files) }
        for file in files { file.abandon() }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["part-2.bin"])
    }
}
