@testable import CkptFormats
import CkptTestSupport
import Foundation
import Testing

/// `OutputFile.copyDirect`: the same bytes as a plain copy whatever the alignment of source and
/// destination, whether the source is read from the page cache or with `O_DIRECT`, and on file systems
/// that refuse `O_DIRECT`.
@Suite struct DirectCopyTests {
    /// A source file of `count` pseudo-random bytes, synced so its pages can be dropped from the cache.
    static func makeSource(in directory: URL, count: Int) throws -> (path: String, bytes: [UInt8]) {
        var generator = SplitMix64(seed: 0xD1EC7)
        let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let path = directory.appendingPathComponent("source.bin").path
        let file = try OutputFile(path: path)
        try file.write(bytes)
        try file.commit()
        return (path, bytes)
    }

    /// Evicts `path`'s pages from the page cache so reads of it go to the disk.
    static func evict(_ path: String) {
        let fd = open(path, O_RDONLY)
        posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
        close(fd)
    }

    /// Writes `prefix` bytes, then the source range by `copyDirect`, then a trailer, and compares.
    static func copyAndCompare(
        directory: URL, source: (path: String, bytes: [UInt8]), prefix: Int, offset: Int, count: Int, cached: Bool
    ) throws {
        let mapped = try MappedFile(path: source.path)
        if cached {
            _ = try Data(contentsOf: URL(fileURLWithPath: source.path))
        } else {
            Self.evict(source.path)
        }
        #expect(mapped.isResident(offset: offset, count: count) == cached)
        let path = directory.appendingPathComponent("out-\(prefix)-\(offset)-\(count)-\(cached).bin").path
        let output = try OutputFile(path: path)
        try output.write([UInt8](repeating: 0xAB, count: prefix))
        try output.copyDirect(from: mapped, offset: offset, count: count, minimumBytes: 4096, pieceBytes: 64 << 10)
        try output.write([1, 2, 3])
        #expect(output.position == prefix + count + 3)
        try output.commit()
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let expected = [UInt8](repeating: 0xAB, count: prefix) + source.bytes[offset..<(offset + count)] + [1, 2, 3]
        #expect(written.count == expected.count)
        #expect(written == expected, "prefix \(prefix), offset \(offset), cached \(cached)")
    }

    @Test(arguments: [0, 100, 4096, 5000], [0, 8, 4096, 12_345])
    func copiesEveryAlignmentFromCacheAndFromDisk(prefix: Int, offset: Int) throws {
        let directory = try makeTemporaryDirectory("direct-copy")
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try Self.makeSource(in: directory, count: 1 << 20)
        // Several pieces, an unaligned end, and a range that ends at the file's (unaligned) end.
        for count in [600_001, source.bytes.count - offset] {
            for cached in [true, false] {
                try Self.copyAndCompare(
                    directory: directory, source: source, prefix: prefix, offset: offset, count: count, cached: cached)
            }
        }
    }

    /// tmpfs refuses `O_DIRECT`: the copy falls back to the kernel copy and the bytes are the same.
    @Test func fallsBackWhereDirectIOIsRefused() throws {
        guard let disk = SmallDisk(bytes: 8 << 20) else { return }
        let source = try Self.makeSource(in: disk.url, count: 1 << 20)
        try Self.copyAndCompare(directory: disk.url, source: source, prefix: 100, offset: 8, count: 700_000, cached: true)
    }

    /// A disk that fills during an `O_DIRECT` write: one error naming the output, nothing left behind.
    @Test func diskFullDuringDirectWriteLeavesNothing() throws {
        guard let disk = LoopExt4(megabytes: 8) else { return }
        let sourceDirectory = try makeTemporaryDirectory("direct-copy-full")
        defer { try? FileManager.default.removeItem(at: sourceDirectory) }
        let source = try Self.makeSource(in: sourceDirectory, count: 12 << 20)
        let mapped = try MappedFile(path: source.path)
        let path = disk.url.appendingPathComponent("big.bin").path
        let output = try OutputFile(path: path)
        #expect(throws: FormatError(file: path, "cannot write: disk full")) {
            try output.copyDirect(from: mapped, offset: 0, count: mapped.size, minimumBytes: 4096, pieceBytes: 1 << 20)
        }
        output.abandon()
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk.url.path).filter { $0 != "lost+found" } == [])
    }
}
