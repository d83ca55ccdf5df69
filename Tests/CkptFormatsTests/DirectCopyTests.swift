import CkptTestSupport
import Foundation
import Testing

@testable import CkptFormats
@testable import CkptStorage

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
    @Test(.requiresTmpfs) func fallsBackWhereDirectIOIsRefused() throws {
        let disk = try #require(SmallDisk(bytes: 8 << 20))
        defer { withExtendedLifetime(disk) {} }  // mounted until the test ends
        let source = try Self.makeSource(in: disk.url, count: 1 << 20)
        try Self.copyAndCompare(directory: disk.url, source: source, prefix: 100, offset: 8, count: 700_000, cached: true)
    }

    /// A producer's region written through `PositionedWriter` (whole blocks with `O_DIRECT` on ext4, all
    /// buffered on tmpfs) holds exactly its bytes, from an unaligned start and in uneven pieces.
    @Test func positionedWriterKeepsEveryByte() throws {
        try withTemporaryDirectory("positioned-writer") { try Self.writeRegionAndCompare(in: $0) }
    }

    /// The same on a tmpfs, where every write is buffered.
    @Test(.requiresTmpfs) func positionedWriterKeepsEveryByteOnTmpfs() throws {
        let disk = try #require(SmallDisk(bytes: 32 << 20))
        defer { withExtendedLifetime(disk) {} }  // mounted until the test ends
        try Self.writeRegionAndCompare(in: disk.url)
    }

    static func writeRegionAndCompare(in directory: URL) throws {
        var generator = SplitMix64(seed: 11)
        let region = (0..<(10 << 20) + 777).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let path = directory.appendingPathComponent("region.bin").path
        let output = try OutputFile(path: path)
        try output.write([UInt8](repeating: 9, count: 100))
        let writer = try output.positionedWriter()
        try output.skip(region.count)
        try output.write([1, 2, 3])
        for start in stride(from: 0, to: region.count, by: 1_000_003) {
            try writer.write(Array(region[start..<min(region.count, start + 1_000_003)]))
        }
        try writer.finish()
        #expect(writer.written == region.count)
        try output.commit()
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(written == [UInt8](repeating: 9, count: 100) + region + [1, 2, 3])
    }

    /// A disk that fills during an `O_DIRECT` write: one error naming the output, nothing left behind.
    @Test(.requiresLoopExt4) func diskFullDuringDirectWriteLeavesNothing() throws {
        let disk = try #require(LoopExt4(megabytes: 8))
        defer { withExtendedLifetime(disk) {} }  // mounted until the test ends
        let sourceDirectory = try makeTemporaryDirectory("direct-copy-full")
        defer { removeTemporaryDirectory(sourceDirectory) }
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

/// The safetensors writer pads its header so that a large copied run keeps its source offset modulo
/// 4 KiB (what lets a direct copy write it straight from the page cache); small files keep the
/// reference writer's padding to 8.
@Suite struct AlignedHeaderTests {
    @Test(arguments: [100, 1_000, 3_000_000])
    func largeRunKeepsItsSourceAlignment(elements: Int) throws {
        let directory = try makeTemporaryDirectory("aligned-header")
        defer { try? FileManager.default.removeItem(at: directory) }
        var generator = SplitMix64(seed: 7)
        let big = (0..<elements * 4).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let sourcePath = directory.appendingPathComponent("source.safetensors").path
        let sourceFile = try OutputFile(path: sourcePath)
        try SafetensorsWriter(
            metadata: nil,
            tensors: [
                try .init(name: "a", dtype: .f32, shape: [10], source: .producer { try $0.write([UInt8](repeating: 1, count: 40)) }),
                try .init(name: "b", dtype: .f32, shape: [elements], source: .producer { try $0.write(big) }),
            ]
        ).write(to: sourceFile)
        try sourceFile.commit()
        let source = try SafetensorsFile(try MappedFile(path: sourcePath))
        let mapped = try MappedFile(path: sourcePath)
        let b = try #require(source.tensors.first { $0.name == "b" })
        let outputPath = directory.appendingPathComponent("out.safetensors").path
        let output = try OutputFile(path: outputPath)
        try SafetensorsWriter(
            metadata: [("format", "pt")],
            tensors: [
                try .init(name: "b", dtype: .f32, shape: [elements], source: .mapped(mapped, offset: source.dataOffset + b.begin)),
                try .init(name: "c", dtype: .f32, shape: [3], source: .producer { try $0.write([UInt8](repeating: 2, count: 12)) }),
            ]
        ).write(to: output)
        try output.commit()
        let written = try SafetensorsFile(try MappedFile(path: outputPath))
        #expect(written.headerLength % 8 == 0)
        let large = elements * 4 >= DirectCopy.minimumBytes
        #expect((written.dataOffset % 4096 == (source.dataOffset + b.begin) % 4096) == large)
        let bytes = try MappedFile(path: outputPath)
        let header = try bytes.bytes(at: 8, count: written.headerLength)
        let trailingSpaces = header.reversed().prefix { $0 == UInt8(ascii: " ") }.count
        #expect(large || trailingSpaces < 8)
        let writtenB = try #require(written.tensors.first { $0.name == "b" })
        let copied = try bytes.bytes(at: written.dataOffset + writtenB.begin, count: big.count)
        #expect(Array(copied) == big)
    }
}
