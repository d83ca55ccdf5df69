import CCkptSystem
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Copies of large ranges whose writes bypass the page cache (`O_DIRECT`). A piece whose pages are all
/// cached is written straight from the mapping when source and destination are aligned alike (no copy
/// at all), else read from the page cache into a buffer (one copy, by the kernel); a piece not cached is
/// read with `O_DIRECT` (no copy by the CPU, bar a realigning `memmove`).
///
/// Why: on a file system without shared extents (ext4), `copy_file_range` copies every byte from page
/// cache to page cache and dirties as many pages again; it keeps a core busy for as long as it runs,
/// and the table's GEMM needs every core. Measured on a 9.8 GB shard (`Scripts/bench_copy.py`).
public enum DirectCopy {
    /// File offsets, lengths and buffer addresses of `O_DIRECT` transfers are multiples of this: the
    /// largest logical block size in common use, or the page size if larger, so a direct write never
    /// shares a page with the buffered writes of a region's partial ends. A device needing more refuses
    /// the first write, and the caller copies another way.
    public static let alignment = max(4096, Int(sysconf(Int32(_SC_PAGESIZE))))
    /// Bytes per read and write.
    public static let pieceBytes = 32 << 20
    /// Pieces in flight: one being read while the other is written.
    static let threads = 2
    /// Ranges with a shorter aligned interior are left to the kernel copy (thread start-up would dominate).
    public static let minimumBytes = 8 << 20

    /// `O_DIRECT` on this platform; nil where there is none, which turns direct copies off.
    static let openFlag: Int32? = {
        let flag = cckpt_o_direct_flag()
        return flag == 0 ? nil : flag
    }()

    /// Opens another descriptor on `descriptor`'s file with `O_DIRECT` (through `/proc/self/fd`, so it is
    /// the same inode even if the path was replaced); nil where that is refused (tmpfs refuses `O_DIRECT`)
    /// or `/proc` is missing, and the caller does without.
    static func reopen(_ descriptor: Int32, flags: Int32) -> Int32? {
        guard let openFlag else { return nil }
        let fd = open("/proc/self/fd/\(descriptor)", flags | openFlag | O_CLOEXEC)
        return fd >= 0 ? fd : nil
    }

    /// Whether `descriptor` is on a local block file system (ext2/3/4, XFS, Btrfs, F2FS), where a
    /// `copy_file_range` that cannot share extents is a page-cache copy and a direct copy is cheaper.
    /// Elsewhere (NFS, SMB, FUSE, ...) the kernel copy may run on the server, so it is kept.
    static func isLocalBlockFileSystem(_ descriptor: Int32) -> Bool {
        [0xEF53, 0x5846_5342, 0x9123_683E, 0xF2F5_2010].contains(cckpt_file_system_type(descriptor))
    }

    /// Copies `count` bytes of `source` from `sourceOffset` to `destination` at `destinationOffset`;
    /// `destinationOffset` and `count` are multiples of `alignment`, `destination` was opened with `O_DIRECT`.
    /// Returns false when the file system refused an `O_DIRECT` write (nothing else failed): the caller
    /// must then copy the whole range another way.
    static func copy(
        from source: MappedFile, sourceOffset: Int, count: Int, to destination: Int32, destinationOffset: Int,
        destinationPath: String, pieceBytes: Int = pieceBytes
    ) throws(FormatError) -> Bool {
        precondition(destinationOffset % alignment == 0 && count % alignment == 0 && pieceBytes % alignment == 0)
        _ = try source.bytes(at: sourceOffset, count: count)  // bounds
        let directSource = reopen(source.descriptor, flags: O_RDONLY)
        defer { if let directSource { close(directSource) } }
        let job = Job(
            source: source, directSource: directSource, sourceOffset: sourceOffset, count: count,
            destination: destination, destinationOffset: destinationOffset, destinationPath: destinationPath,
            pieceBytes: pieceBytes)
        let workers = ThreadGroup()
        for _ in 0..<min(threads, (count + pieceBytes - 1) / pieceBytes) {
            workers.start { try job.work(stopping: workers) }
        }
        do {
            try workers.wait()
        } catch let error as FormatError {
            throw error
        } catch {
            throw FormatError(file: destinationPath, "\(error)")
        }
        return !job.wasRefused
    }

    /// The pieces of one copy, taken in order by the worker threads.
    private final class Job: @unchecked Sendable {
        let source: MappedFile
        let directSource: Int32?
        let sourceOffset: Int
        let count: Int
        let destination: Int32
        let destinationOffset: Int
        let destinationPath: String
        let pieceBytes: Int
        private let lock = NSLock()
        private var next = 0
        private var refused = false

        init(
            source: MappedFile, directSource: Int32?, sourceOffset: Int, count: Int, destination: Int32,
            destinationOffset: Int, destinationPath: String, pieceBytes: Int
        ) {
            self.source = source
            self.directSource = directSource
            self.sourceOffset = sourceOffset
            self.count = count
            self.destination = destination
            self.destinationOffset = destinationOffset
            self.destinationPath = destinationPath
            self.pieceBytes = pieceBytes
        }

        /// The next piece's start within the range, nil when there is none, the destination refused
        /// direct writes, or a worker of `workers` has failed.
        private func take(_ workers: ThreadGroup) -> Int? {
            lock.withLock {
                guard !refused, next < count, !workers.hasFailed else { return nil }
                defer { next += pieceBytes }
                return next
            }
        }

        /// Copies pieces until none is left; the first error ends this worker (and, through
        /// `workers`, the others).
        func work(stopping workers: ThreadGroup) throws(FormatError) {
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: pieceBytes + alignment, alignment: alignment)
            defer { buffer.deallocate() }
            while let start = take(workers) {
                let offset = sourceOffset + start
                let length = min(pieceBytes, count - start)
                let (bytes, mapped) = try read(at: offset, count: length, into: buffer)
                let written = try write(bytes, count: length, at: destinationOffset + start)
                if mapped { source.release(offset: offset, count: length) }
                if written { CopyProgress.add(length) } else { lock.withLock { refused = true } }
            }
        }

        /// Whether the destination refused direct writes (the caller falls back).
        var wasRefused: Bool { lock.withLock { refused } }

        /// Makes `count` source bytes from `offset` available at an aligned address: the mapping itself
        /// when the pages are cached and aligned alike (the write then takes them straight from the page
        /// cache; `mapped` says the caller must release them), else `buffer`, filled by a read from the
        /// page cache or, for pages not cached, by an `O_DIRECT` read.
        private func read(at offset: Int, count: Int, into buffer: UnsafeMutableRawPointer) throws(FormatError)
            -> (bytes: UnsafeRawPointer, mapped: Bool)
        {
            let resident = source.isResident(offset: offset, count: count)
            if resident, let mapped = try source.bytes(at: offset, count: count).baseAddress,
                Int(bitPattern: mapped) % alignment == 0
            {
                return (mapped, true)
            }
            if let directSource, !resident {
                let start = offset / alignment * alignment
                let end = (offset + count + alignment - 1) / alignment * alignment
                try readAll(directSource, into: buffer, count: end - start, at: start, needed: offset + count - start)
                if offset != start { memmove(buffer, buffer + (offset - start), count) }
            } else {
                try readAll(source.descriptor, into: buffer, count: count, at: offset, needed: count)
            }
            return (UnsafeRawPointer(buffer), false)
        }

        /// `pread` until `needed` bytes are in (an `O_DIRECT` read of the file's last block returns less than asked).
        private func readAll(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int, needed: Int)
            throws(FormatError)
        {
            var done = 0
            while done < needed {
                let n = pread(fd, buffer + done, count - done, off_t(offset + done))
                if n < 0, errno == EINTR { continue }
                if n < 0 { throw FormatError(file: source.path, "cannot read: \(MappedFile.errnoText())") }
                if n == 0 { throw FormatError(file: source.path, "file shrank while being copied") }
                done += n
            }
        }

        /// Writes `count` bytes; false if the file system refuses `O_DIRECT` for them.
        private func write(_ bytes: UnsafeRawPointer, count: Int, at offset: Int) throws(FormatError) -> Bool {
            var done = 0
            while done < count {
                let n = pwrite(destination, bytes + done, count - done, off_t(offset + done))
                if n < 0, errno == EINTR { continue }
                if n < 0, errno == EINVAL, done == 0 { return false }
                if n < 0 {
                    let text = errno == ENOSPC ? "disk full" : MappedFile.errnoText()
                    throw FormatError(file: destinationPath, "cannot write: \(text)")
                }
                done += n
            }
            return true
        }
    }
}
