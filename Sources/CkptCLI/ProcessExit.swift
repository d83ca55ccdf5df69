import Foundation

/// The one way out of the process: the first thread to leave claims the exit, writes its line, flushes
/// stdout and calls `_exit`, so no `atexit` handler or static destructor runs while worker threads
/// (BLAS, Dispatch) still run (OpenBLAS's destructor frees its buffers under them: the SIGSEGV inside
/// `exit()` of an interrupted run). A thread that comes second (a command failing because an interrupt
/// just deleted its partial output) parks until the first one has exited, so stderr gets one line.
enum ProcessExit {
    private static let claim = ExitClaim()

    /// Exits with `status` after writing `line` (and a newline) to stderr, if given.
    static func exit(_ status: Int32, line: String? = nil) -> Never {
        guard claim.take() else { park() }
        leave(status, line: line)
    }

    /// Claims the exit for a thread that has cleaning up to do first; false if another thread claimed
    /// it (the caller must then `park()`).
    static func claimForCleanup() -> Bool { claim.take() }

    /// Exits after `claimForCleanup()` returned true.
    static func leave(_ status: Int32, line: String?) -> Never {
        fflush(nil)  // every stdio stream: stdout holds what print wrote
        if let line {
            let text = line + "\n"
            _ = text.withCString { write(2, $0, strlen($0)) }
        }
        _exit(status)
    }

    /// Waits for the thread that claimed the exit to end the process.
    static func park() -> Never {
        while true { pause() }
    }
}

/// Set once, by the first thread to exit.
private final class ExitClaim: @unchecked Sendable {
    private let lock = NSLock()
    private var taken = false

    func take() -> Bool {
        lock.withLock {
            defer { taken = true }
            return !taken
        }
    }
}
