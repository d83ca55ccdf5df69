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
/// the others: the two never share a file position.
public final class PositionedWriter: ByteSink {
    let path: String
    private var descriptor: Int32
    private var offset: Int
    private var buffer: [UInt8] = []
    /// Bytes written so far.
    public private(set) var written = 0
    private static let bufferCapacity = 1 << 22

    init(path: String, temporaryPath: String, offset: Int) throws(FormatError) {
        self.path = path
        self.offset = offset
        descriptor = open(temporaryPath, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FormatError(file: path, "cannot reopen the temporary file: \(MappedFile.errnoText())") }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    public func write(_ bytes: [UInt8]) throws(FormatError) {
        buffer += bytes
        written += bytes.count
        if buffer.count >= Self.bufferCapacity { try flush() }
    }

    /// Writes out what is buffered and closes the descriptor.
    public func finish() throws(FormatError) {
        try flush()
        close(descriptor)
        descriptor = -1
    }

    private func flush() throws(FormatError) {
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeBytes { pwrite(descriptor, $0.baseAddress! + done, buffer.count - done, off_t(offset + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FormatError(file: path, "cannot write: \(errno == ENOSPC ? "disk full" : MappedFile.errnoText())")
            }
            done += n
        }
        offset += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}
