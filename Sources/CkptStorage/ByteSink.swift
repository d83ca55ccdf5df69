#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a tensor producer writes its bytes.
public protocol ByteSink: AnyObject {
    func write(_ bytes: [UInt8]) throws(FormatError)
}

extension OutputFile: ByteSink {}

/// Writes into a region of an `OutputFile`'s temporary file through its own descriptor, at a fixed
/// offset, so that a producer (the first-layer table) can fill its tensor while the main thread copies
/// the others: the two never share a file position. On a local block file system the whole aligned
/// blocks go out with `O_DIRECT` (see `DirectCopy`), so they skip the page cache; the partial blocks
/// at both ends are written normally.
public final class PositionedWriter: ByteSink {
    let path: String
    private var descriptor: Int32
    private var direct: Int32?
    /// The file offset of `buffer`'s first byte.
    private var offset: Int
    private let buffer: UnsafeMutableRawPointer
    private var buffered = 0
    /// Bytes written so far.
    public private(set) var written = 0
    private static let bufferCapacity = 1 << 22

    init(path: String, file: Int32, offset: Int, direct allowed: Bool) throws(FormatError) {
        self.path = path
        self.offset = offset
        descriptor = fcntl(file, F_DUPFD_CLOEXEC, 0)  // shares the file position, which `pwrite` never uses
        guard descriptor >= 0 else {
            throw FormatError(file: path, "cannot duplicate the temporary file's descriptor: \(MappedFile.errnoText())")
        }
        direct = allowed ? DirectCopy.reopen(file, flags: O_WRONLY) : nil
        buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.bufferCapacity, alignment: DirectCopy.alignment)
    }

    deinit {
        closeDescriptors()
        buffer.deallocate()
    }

    public func write(_ bytes: [UInt8]) throws(FormatError) {
        var done = 0
        while done < bytes.count {
            let n = min(bytes.count - done, Self.bufferCapacity - buffered)
            bytes.withUnsafeBytes { raw in (buffer + buffered).copyMemory(from: raw.baseAddress! + done, byteCount: n) }
            buffered += n
            done += n
            if buffered == Self.bufferCapacity { try flush(final: false) }
        }
        written += bytes.count
    }

    /// Writes out what is buffered and closes the descriptors.
    public func finish() throws(FormatError) {
        try flush(final: true)
        closeDescriptors()
    }

    /// Writes the buffer out; unless `final`, with direct writes on, only up to the file's last
    /// `DirectCopy.alignment` boundary, keeping the rest (moved to the buffer's start, which then sits
    /// on a boundary).
    private func flush(final: Bool) throws(FormatError) {
        let alignment = DirectCopy.alignment
        var start = 0
        if let direct, !final {
            let head = min(buffered, (alignment - offset % alignment) % alignment)
            try writeAll(descriptor, from: 0, count: head)
            start = head
            let blocks = (buffered - head) / alignment * alignment
            if head == 0, blocks > 0 {
                if try !writeAll(direct, from: 0, count: blocks, allowRefusal: true) {
                    close(direct)
                    self.direct = nil
                    try writeAll(descriptor, from: 0, count: blocks)
                }
                start = blocks
            }
        } else {
            try writeAll(descriptor, from: 0, count: buffered)
            start = buffered
        }
        offset += start
        buffered -= start
        if buffered > 0 { memmove(buffer, buffer + start, buffered) }
    }

    /// `pwrite`s `count` buffered bytes from `from` at their file offset; false if `O_DIRECT` was refused.
    @discardableResult
    private func writeAll(_ fd: Int32, from: Int, count: Int, allowRefusal: Bool = false) throws(FormatError) -> Bool {
        var done = 0
        while done < count {
            let n = pwrite(fd, buffer + from + done, count - done, off_t(offset + from + done))
            if n < 0, errno == EINTR { continue }
            if n < 0, allowRefusal, errno == EINVAL, done == 0 { return false }
            if n < 0 { throw FormatError(file: path, "cannot write: \(errno == ENOSPC ? "disk full" : MappedFile.errnoText())") }
            done += n
        }
        return true
    }

    private func closeDescriptors() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        if let direct { close(direct) }
        direct = nil
    }
}
