internal import CCkptZstd

/// zstd compression of byte frames. The only file that touches libzstd; one context per instance,
/// freed in `deinit`, so each thread should own its own `Zstd`.
public final class Zstd {
    /// A zstd failure, with the library's own error name.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    private let compressionContext: OpaquePointer
    private let decompressionContext: OpaquePointer
    public let level: Int32

    /// Valid levels are 1 (fastest) to 19 (smallest); negative levels trade ratio for speed.
    public init(level: Int32 = 3) throws(Failure) {
        guard let c = ZSTD_createCCtx(), let d = ZSTD_createDCtx() else {
            throw Failure(description: "zstd: cannot allocate a context")
        }
        compressionContext = c
        decompressionContext = d
        self.level = level
    }

    deinit {
        ZSTD_freeCCtx(compressionContext)
        ZSTD_freeDCtx(decompressionContext)
    }

    /// Compresses `source` into one zstd frame (with its content size recorded).
    public func compress(_ source: UnsafeRawBufferPointer) throws(Failure) -> [UInt8] {
        let bound = ZSTD_compressBound(source.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { out in
            ZSTD_compressCCtx(compressionContext, out.baseAddress, bound, source.baseAddress, source.count, level)
        }
        try check(written)
        output.removeSubrange(written...)
        return output
    }

    /// Decompresses one frame that must expand to exactly `destination.count` bytes.
    public func decompress(_ frame: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws(Failure) {
        let size = ZSTD_getFrameContentSize(frame.baseAddress, frame.count)
        guard size != cckpt_zstd_contentsize_error(), size != cckpt_zstd_contentsize_unknown(),
            size == UInt64(destination.count)
        else {
            throw Failure(description: "zstd: frame does not declare a content size of \(destination.count) bytes")
        }
        let written = ZSTD_decompressDCtx(
            decompressionContext, destination.baseAddress, destination.count, frame.baseAddress, frame.count)
        try check(written)
        guard written == destination.count else {
            throw Failure(description: "zstd: frame expanded to \(written) bytes, expected \(destination.count)")
        }
    }

    private func check(_ code: Int) throws(Failure) {
        if ZSTD_isError(code) != 0 {
            throw Failure(description: "zstd: " + String(cString: ZSTD_getErrorName(code)))
        }
    }

    /// The libzstd version, e.g. "1.5.4".
    public static var libraryVersion: String { String(cString: ZSTD_versionString()) }
}
