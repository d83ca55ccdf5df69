import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The temporary files and directories being written right now, and the lock files held, so the
/// interrupt watcher can delete them. Each is created and recorded in one step (`create`) that an
/// interrupt cannot come between, so none is left behind, however the two interleave.
public final class PartialOutputs: @unchecked Sendable {
    public static let shared = PartialOutputs()

    /// What a recorded path is, for how it is removed.
    public enum Kind: Sendable {
        /// A temporary file, unlinked.
        case file
        /// A temporary directory, removed with everything in it.
        case directory
        /// An `OutputLock` file: unlinked, but not counted as a partial output.
        case lockFile
    }

    private let lock = NSLock()
    /// Held while outputs are renamed into place; an interrupt waits for it.
    private let commitLock = NSLock()
    private var recorded: [String: Kind] = [:]
    /// Set by `interrupt()`: from then on nothing is created.
    private var interrupted = false

    /// Runs `make`, which creates `path` (returning a descriptor or 0, or -1 with errno set), and records
    /// `path` if it succeeded, as one step. After an interrupt it creates nothing and returns -1 with
    /// errno `ECANCELED` (the process is about to exit).
    public func create(_ path: String, kind: Kind, _ make: () -> Int32) -> Int32 {
        lock.withLock {
            guard !interrupted else {
                errno = ECANCELED
                return -1
            }
            let result = make()
            if result >= 0 { recorded[path] = kind }
            return result
        }
    }

    /// Stops recording `path` (committed, abandoned or deleted by its owner).
    public func forget(_ path: String) { lock.withLock { _ = recorded.removeValue(forKey: path) } }

    /// Runs `body` (renames of finished outputs into place, a few milliseconds) with interrupts held
    /// off: one arriving meanwhile is answered when it returns, so it finds either nothing of the new
    /// output in place or all of it.
    public func committing<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        commitLock.lock()
        defer { commitLock.unlock() }
        return try body()
    }

    /// Deletes everything recorded, after waiting for a commit under way; no commit starts and nothing
    /// is created after it (the process is about to exit). Returns how many partial outputs (files and
    /// directories) there were.
    @discardableResult
    public func interrupt() -> Int {
        commitLock.lock()
        return lock.withLock {
            interrupted = true
            for (path, kind) in recorded {
                if kind == .directory { Self.removeDirectory(path) } else { unlink(path) }
            }
            defer { recorded.removeAll() }
            return recorded.values.filter { $0 != .lockFile }.count
        }
    }

    /// Removes the directory `path` and everything in it, again while a thread that has not yet seen
    /// the interrupt (cloning a shard, copying a side file) still adds to it.
    private static func removeDirectory(_ path: String) {
        for _ in 0..<100 {
            try? FileManager.default.removeItem(atPath: path)
            guard FileManager.default.fileExists(atPath: path) else { return }
            usleep(1_000)
        }
    }
}
