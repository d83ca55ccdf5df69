import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file written atomically: bytes go to a temporary file beside the destination, which is renamed
/// over it only by `commit()`. Until then nothing exists at the destination; an abandoned or failed
/// write removes the temporary file (also on Ctrl-C, through `PartialOutputs`).
public final class OutputFile {
    /// The final path.
    public let path: String
    /// The temporary path being written.
    public let temporaryPath: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private var committed = false
    /// A second descriptor with `O_DIRECT`, opened on the first direct copy; `-1` where refused.
    private var directDescriptor: Int32?
    /// Bytes written so far (buffered ones included).
    public private(set) var position: Int = 0
    private static let bufferCapacity = 1 << 22

    /// Creates the temporary file next to `path`. Fails if `path` exists and `overwrite` is false.
    public init(path: String, overwrite: Bool = false) throws(FormatError) {
        self.path = path
        if !overwrite, FileManager.default.fileExists(atPath: path) {
            throw FormatError(file: path, "already exists (use --force to replace it)")
        }
        let url = URL(fileURLWithPath: path)
        let name = ".\(url.lastPathComponent).ckpt-partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let temporary = url.deletingLastPathComponent().appendingPathComponent(name).path
        temporaryPath = temporary
        descriptor = PartialOutputs.shared.create(temporary, kind: .file) {
            open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        }
        guard descriptor >= 0 else {
            throw FormatError(file: path, "cannot create a temporary file beside it: \(MappedFile.errnoText())")
        }
        buffer.reserveCapacity(Self.bufferCapacity)
    }

    deinit {
        if !committed { abandon() }
    }

    /// Appends `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(FormatError) {
        if buffer.count + bytes.count <= Self.bufferCapacity {
            buffer.append(contentsOf: bytes)
        } else {
            try flush()
            if bytes.count >= Self.bufferCapacity {
                try writeAll(bytes)
            } else {
                buffer.append(contentsOf: bytes)
            }
        }
        position += bytes.count
    }

    /// Appends `bytes`.
    public func write(_ bytes: [UInt8]) throws(FormatError) {
        try bytes.withUnsafeBytes { raw in Result { () throws(FormatError) in try write(raw) } }.get()
    }

    /// Appends `count` zero bytes.
    public func writeZeros(_ count: Int) throws(FormatError) {
        guard count > 0 else { return }
        try write([UInt8](repeating: 0, count: count))
    }

    /// Appends `count` bytes of `file` from `offset`, copied by the kernel so that the bytes never pass
    /// through user space or count against this process's memory: `copy_file_range` (which some file
    /// systems turn into shared extents or a server-side copy), else `sendfile`, else a plain copy
    /// from the mapping.
    public func copy(from file: MappedFile, offset: Int, count: Int) throws(FormatError) {
        let source = try file.bytes(at: offset, count: count)
        try flush()
        var sourceOffset = offset
        var remaining = count
        var rangeCopy = copyFileRange
        while remaining > 0 {
            if let copyFileRange = rangeCopy {
                // Writes at, and advances, this file's position, as sendfile and write do.
                var from = off_t(sourceOffset)
                let n = copyFileRange(file.descriptor, &from, descriptor, nil, min(remaining, 1 << 30), 0)
                if n > 0 {
                    remaining -= n
                    sourceOffset += n
                    CopyProgress.add(n)
                    continue
                }
                if n < 0, errno == EINTR { continue }
                if n < 0, errno == ENOSPC { throw FormatError(file: path, "cannot write: disk full") }
                rangeCopy = nil  // not between these files: sendfile from here on
                continue
            }
            let n = sendfile(descriptor, file.descriptor, &sourceOffset, min(remaining, 1 << 30))
            if n > 0 {
                remaining -= n
                CopyProgress.add(n)
                continue
            }
            if n < 0, errno == EINTR { continue }
            if n < 0, errno == ENOSPC { throw FormatError(file: path, "cannot write: disk full") }
            // Not supported here (or the source shrank): copy what is left through the mapping.
            try writeAll(UnsafeRawBufferPointer(rebasing: source[(count - remaining)...]))
            CopyProgress.add(remaining)
            remaining = 0
        }
        position += count
    }

    /// Appends `count` bytes of `file` from `offset` like `copy`, but writes the range's whole blocks
    /// (`DirectCopy.alignment`) with `O_DIRECT` (see `DirectCopy`): the bytes skip this file's page
    /// cache and the CPU copies them at most once. Falls back to `copy` off local block file systems,
    /// where `O_DIRECT` is refused, or when the whole blocks come to less than `minimumBytes`.
    public func copyDirect(
        from file: MappedFile, offset: Int, count: Int, minimumBytes: Int = DirectCopy.minimumBytes,
        pieceBytes: Int = DirectCopy.pieceBytes
    ) throws(FormatError) {
        let alignment = DirectCopy.alignment
        let start = position
        let interiorStart = (start + alignment - 1) / alignment * alignment
        let interiorEnd = (start + count) / alignment * alignment
        guard interiorEnd - interiorStart >= max(minimumBytes, 1), let direct = openDirect() else {
            return try copy(from: file, offset: offset, count: count)
        }
        let head = interiorStart - start
        try copy(from: file, offset: offset, count: head)
        let copied = try DirectCopy.copy(
            from: file, sourceOffset: offset + head, count: interiorEnd - interiorStart, to: direct,
            destinationOffset: interiorStart, destinationPath: path, pieceBytes: pieceBytes)
        if copied {
            try seek(to: interiorEnd)
            try copy(from: file, offset: offset + (interiorEnd - start), count: start + count - interiorEnd)
        } else {
            closeDirect()
            try copy(from: file, offset: offset + head, count: count - head)
        }
    }

    /// The `O_DIRECT` descriptor, opened on first use; nil off local block file systems or where
    /// `O_DIRECT` is refused.
    private func openDirect() -> Int32? {
        if directDescriptor == nil {
            let local = DirectCopy.isLocalBlockFileSystem(descriptor)
            directDescriptor = (local ? DirectCopy.reopen(descriptor, flags: O_WRONLY) : nil) ?? -1
        }
        return directDescriptor.flatMap { $0 >= 0 ? $0 : nil }
    }

    /// Moves the write position to `offset` (after a direct copy wrote up to there through the other descriptor).
    private func seek(to offset: Int) throws(FormatError) {
        guard lseek(descriptor, off_t(offset), SEEK_SET) >= 0 else {
            throw FormatError(file: path, "cannot seek: \(MappedFile.errnoText())")
        }
        position = offset
    }

    /// Leaves `count` bytes to be filled by a `PositionedWriter` (they read as zeros until then).
    public func skip(_ count: Int) throws(FormatError) {
        try flush()
        guard lseek(descriptor, off_t(count), SEEK_CUR) >= 0 else {
            throw FormatError(file: path, "cannot seek: \(MappedFile.errnoText())")
        }
        position += count
    }

    /// A writer for the region starting at the current position, on its own descriptor.
    public func positionedWriter() throws(FormatError) -> PositionedWriter {
        try flush()
        return try PositionedWriter(
            path: path, file: descriptor, offset: position, direct: DirectCopy.isLocalBlockFileSystem(descriptor))
    }

    /// Pads with zeros up to a multiple of `alignment`.
    public func pad(to alignment: Int) throws(FormatError) {
        guard let target = alignUp(position, to: alignment) else {
            throw FormatError(file: path, "offset \(position) overflows when aligned")
        }
        try writeZeros(target - position)
    }

    /// Writes the buffered bytes out.
    public func flush() throws(FormatError) {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { raw in Result { () throws(FormatError) in try writeAll(raw) } }.get()
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(FormatError) {
        var offset = 0
        while offset < bytes.count {
            let n = posixWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                let text = errno == ENOSPC ? "disk full" : MappedFile.errnoText()
                throw FormatError(file: path, "cannot write: \(text)")
            }
            offset += n
        }
    }

    /// The descriptor, for a reflink into the still-empty file.
    var descriptorForCloning: Int32 { descriptor }

    /// Commits a file whose `size` bytes were filled by a reflink.
    func commitCloned(size: Int) throws(FormatError) {
        position = size
        try commit()
    }

    /// Flushes, syncs and renames the temporary file to `path`.
    public func commit() throws(FormatError) {
        try sync()
        close(descriptor)
        descriptor = -1
        guard rename(temporaryPath, path) == 0 else {
            let text = MappedFile.errnoText()
            abandon()
            throw FormatError(file: path, "cannot rename the finished file into place: \(text)")
        }
        committed = true
        PartialOutputs.shared.forget(temporaryPath)
    }

    /// Commits `files` as one output: all are synced first, then renamed into place one after the other
    /// (quick) with interrupts held off (`PartialOutputs.committing`), so a Ctrl-C leaves either the
    /// previous output or the whole new one, never a mix. If a rename fails, those already in place are removed.
    public static func commitAll(_ files: [OutputFile]) throws(FormatError) {
        for file in files { try file.sync() }
        try PartialOutputs.shared.committing { () throws(FormatError) in
            for (index, file) in files.enumerated() {
                do throws(FormatError) {
                    try file.commit()
                } catch {
                    for committed in files[..<index] { unlink(committed.path) }
                    throw error
                }
            }
        }
    }

    /// Writes out the buffer and syncs the file to disk.
    private func sync() throws(FormatError) {
        try flush()
        closeDirect()
        guard fsync(descriptor) == 0 else {
            // Write-back can fail only now, e.g. when a thinly provisioned disk runs out.
            throw FormatError(file: path, "cannot sync: \(errno == ENOSPC ? "disk full" : MappedFile.errnoText())")
        }
    }

    private func closeDirect() {
        if let direct = directDescriptor, direct >= 0 { close(direct) }
        directDescriptor = -1
    }

    /// Closes and deletes the temporary file; nothing is left at `path`.
    public func abandon() {
        closeDirect()
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        unlink(temporaryPath)
        PartialOutputs.shared.forget(temporaryPath)
    }
}

/// glibc's `copy_file_range(2)`, looked up at run time: Swift's Glibc module leaves it out (it is
/// declared only under `_GNU_SOURCE`). Nil where the C library lacks it.
private typealias CopyFileRange =
    @convention(c) (
        Int32, UnsafeMutablePointer<off_t>?, Int32, UnsafeMutablePointer<off_t>?, Int, UInt32
    ) -> Int
private let copyFileRange: CopyFileRange? = dlsym(nil, "copy_file_range").map { unsafeBitCast($0, to: CopyFileRange.self) }

/// `write(2)`, named apart from `OutputFile.write` so the method can call it.
private func posixWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}
