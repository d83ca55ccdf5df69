import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An advisory lock on an output path, held for a whole run so that two runs writing one OUTPUT (two
/// `convert --force`, say) cannot interleave: the second fails at once with one line. It is an
/// exclusive `flock` on `.NAME.ckpt-lock` beside OUTPUT, a file that exists only while a run holds it
/// (deleted by `release()`, and on interrupt through `PartialOutputs`).
public final class OutputLock {
    /// The output being guarded, as the user named it.
    public let output: String
    /// The lock file beside it.
    public let path: String
    private var descriptor: Int32

    /// Takes the lock on `output`, or fails naming `output` when another run holds it.
    public init(output: String) throws(FormatError) {
        let url = URL(fileURLWithPath: output)
        self.output = output
        path = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).ckpt-lock").path
        descriptor = -1
        // A holder deletes the file before letting go, so a lock taken on a file no longer at `path`
        // is stale: try again on the one there now.
        while true {
            let fd = PartialOutputs.shared.create(path, kind: .lockFile) { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }
            guard fd >= 0 else {
                throw FormatError(file: output, "cannot create the lock file \(path): \(MappedFile.errnoText())")
            }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                let busy = errno == EWOULDBLOCK
                let text = MappedFile.errnoText()
                close(fd)
                PartialOutputs.shared.forget(path)  // the other run's file
                throw FormatError(
                    file: output,
                    busy ? "another ckpt is writing it (it holds \(path)); wait for it to finish" : "cannot lock \(path): \(text)")
            }
            var held = stat()
            var current = stat()
            if fstat(fd, &held) == 0, stat(path, &current) == 0, held.st_dev == current.st_dev, held.st_ino == current.st_ino {
                descriptor = fd
                break
            }
            close(fd)
        }
    }

    deinit { release() }

    /// Deletes the lock file and lets go of the lock (in that order, so no one locks a deleted file).
    public func release() {
        guard descriptor >= 0 else { return }
        unlink(path)
        PartialOutputs.shared.forget(path)
        close(descriptor)
        descriptor = -1
    }
}
