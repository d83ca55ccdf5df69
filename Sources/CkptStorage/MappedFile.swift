import CCkptSystem

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only memory mapping of a whole file; the one owner of that mapping, unmapped in `deinit`.
///
/// Every view is bounds-checked against the size taken at open. A file that another process truncates
/// while mapped would turn reads past its new end into SIGBUS, so `checkUnchanged()` re-reads the size
/// and callers use it before touching tensor bytes; a read that faults all the same is answered by the
/// SIGBUS handler (signals.c), which names the file, since each mapping is recorded for it.
public final class MappedFile: @unchecked Sendable {
    /// The path as given by the caller, used in every error message.
    public let path: String
    /// The file size in bytes when it was opened.
    public let size: Int
    private let base: UnsafeRawPointer?
    let descriptor: Int32
    /// Where the mapping is recorded for the SIGBUS handler (`cckpt_register_mapping`), or -1.
    private let mappingSlot: Int32
    /// The file's identity and modification time when it was opened, for `checkUnchanged`.
    private let opened: (device: UInt, inode: UInt, modified: timespec)

    /// Opens and maps `path` read-only. Only a regular file is opened: a FIFO, socket or device is
    /// refused by kind, and the open itself does not block (`O_NONBLOCK`: a FIFO with no writer would
    /// otherwise wait forever) in case one replaces the file between the check and the open.
    public init(path: String) throws(FormatError) {
        self.path = path
        if let problem = FileKind.problem(at: path) { throw FormatError(file: path, problem) }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw FormatError(file: path, "cannot open: \(Self.errnoText())") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let text = Self.errnoText()
            close(fd)
            throw FormatError(file: path, "cannot stat: \(text)")
        }
        if let kind = FileKind.nonRegular(info.st_mode) {
            close(fd)
            throw FormatError(file: path, "is \(kind), not a regular file")
        }
        let size = Int(info.st_size)
        var base: UnsafeRawPointer? = nil
        if size > 0 {
            guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
                let text = Self.errnoText()
                close(fd)
                throw FormatError(file: path, "cannot map \(size) bytes: \(text)")
            }
            base = UnsafeRawPointer(mapped)
        }
        self.size = size
        self.base = base
        self.descriptor = fd
        opened = (UInt(info.st_dev), UInt(info.st_ino), info.st_mtim)
        mappingSlot = cckpt_register_mapping(base, size, fd, path)
    }

    deinit {
        cckpt_unregister_mapping(mappingSlot)
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
        close(descriptor)
    }

    /// The bytes `[offset, offset + count)`, after checking they lie inside the file as opened.
    public func bytes(at offset: Int, count: Int) throws(FormatError) -> UnsafeRawBufferPointer {
        guard offset >= 0, count >= 0 else {
            throw FormatError(file: path, "negative range \(offset)+\(count)")
        }
        let (end, overflow) = offset.addingReportingOverflow(count)
        guard !overflow, end <= size else {
            throw FormatError(
                file: path, "bytes \(offset) to \(overflow ? Int.max : end - 1) are past the end of the \(size)-byte file")
        }
        guard count > 0, let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + offset, count: count)
    }

    /// The whole file.
    public var allBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base, count: base == nil ? 0 : size)
    }

    /// Fails if the file changed since it was mapped: shorter (reads past its end would fault), written
    /// in place (the mapping would show a mix of old and new bytes), or replaced at its path by another
    /// file (what was read is no longer what the path names).
    public func checkUnchanged() throws(FormatError) {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw FormatError(file: path, "cannot stat: \(Self.errnoText())")
        }
        if Int(info.st_size) < size {
            throw FormatError(file: path, "file shrank from \(size) to \(info.st_size) bytes while in use")
        }
        if info.st_mtim.tv_sec != opened.modified.tv_sec || info.st_mtim.tv_nsec != opened.modified.tv_nsec {
            throw FormatError(file: path, "changed while in use: written to since it was opened")
        }
        var current = stat()
        if stat(path, &current) != 0 || UInt(current.st_dev) != opened.device || UInt(current.st_ino) != opened.inode {
            throw FormatError(file: path, "changed while in use: replaced by another file since it was opened")
        }
    }

    /// Drops the pages of `[offset, offset+count)` from this process (they stay in the page cache), so a
    /// tensor read once and decoded does not keep counting as resident memory.
    public func release(offset: Int, count: Int) {
        guard let base, count > 0, offset >= 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (offset + page - 1) / page * page
        let end = min(size, offset + count) / page * page
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }

    /// Whether every page of `[offset, offset+count)` is in the page cache now (`mincore`), so reading
    /// it costs a memory copy rather than a trip to the disk.
    func isResident(offset: Int, count: Int) -> Bool {
        guard let base, count > 0, offset >= 0, offset + count <= size else { return false }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = offset / page * page
        let end = offset + count
        var pages = [UInt8](repeating: 0, count: (end - start + page - 1) / page)
        guard mincore(UnsafeMutableRawPointer(mutating: base + start), end - start, &pages) == 0 else { return false }
        return pages.allSatisfy { $0 & 1 != 0 }
    }

    /// The text of the current `errno`, e.g. "No such file or directory".
    public static func errnoText() -> String { String(cString: strerror(errno)) }
}
