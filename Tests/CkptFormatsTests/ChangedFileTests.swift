import CkptStorage
import CkptTestSupport
import Foundation
import Testing

/// A mapped input that another process changes is refused at the next read with "changed while in
/// use", whether it was written in place (same size) or replaced at its path; one truncated is named by
/// its new size. Untouched, it reads on.
@Suite(.removesTemporaryDirectories) struct ChangedFileTests {
    func mapped(_ name: String) throws -> (URL, MappedFile) {
        let url = try makeScopedTemporaryDirectory("changed").appendingPathComponent(name)
        try Data(repeating: 7, count: 4096).write(to: url)
        return (url, try MappedFile(path: url.path))
    }

    @Test func untouchedFilesReadOn() throws {
        let (_, file) = try mapped("same.bin")
        try file.checkUnchanged()
    }

    @Test func writtenInPlace() throws {
        let (url, file) = try mapped("written.bin")
        let handle = try FileHandle(forWritingTo: url)
        try handle.seek(toOffset: 100)
        try handle.write(contentsOf: Data([1, 2, 3]))
        try handle.close()
        // Make sure the modification time moves even on a coarse clock.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 10)], ofItemAtPath: url.path)
        #expect(throws: FormatError(file: url.path, "changed while in use: written to since it was opened")) {
            try file.checkUnchanged()
        }
    }

    @Test func replacedAtItsPath() throws {
        let (url, file) = try mapped("replaced.bin")
        let other = url.deletingLastPathComponent().appendingPathComponent("other.bin")
        try Data(repeating: 9, count: 4096).write(to: other)
        #expect(rename(other.path, url.path) == 0)
        #expect(throws: FormatError(file: url.path, "changed while in use: replaced by another file since it was opened")) {
            try file.checkUnchanged()
        }
    }

    @Test func truncated() throws {
        let (url, file) = try mapped("short.bin")
        #expect(truncate(url.path, 10) == 0)
        #expect(throws: FormatError(file: url.path, "file shrank from 4096 to 10 bytes while in use")) {
            try file.checkUnchanged()
        }
    }
}
