import CCkptSystem
import CkptFormats
import CkptStorage
import Foundation

/// Answers SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGPIPE at once, whatever the other threads are doing:
/// the signal handler (C) only writes a byte to a pipe, and a thread of its own blocked on that pipe
/// removes every partial output, prints one line and exits 2. An output `--force` would replace is
/// untouched until its replacement is complete, so an interrupt keeps it. A SIGBUS inside a mapped
/// input (a file truncated while in use) takes the same way out, with a line naming that input.
enum Interrupts {
    private static let state = InterruptMessage()

    /// Routes the signals to the watching thread; call once, first thing, before any other thread starts.
    static func install() {
        let descriptor = cckpt_route_signals_to_pipe()
        guard descriptor >= 0 else { return }
        let watcher = Thread {
            cckpt_unblock_routed_signals()
            var byte: UInt8 = 0
            while read(descriptor, &byte, 1) < 0 && errno == EINTR {}
            guard ProcessExit.claimForCleanup() else { ProcessExit.park() }
            let removed = PartialOutputs.shared.interrupt()
            // A progress line may be open on a terminal: start a new one.
            let newLine = isatty(2) != 0 ? "\n" : ""
            let line = Int32(byte) == SIGBUS ? faultLine() : state.line(removedPartialOutput: removed > 0)
            ProcessExit.leave(2, line: newLine + line)
        }
        watcher.start()
    }

    /// Names the file an interrupt's one-line message is about (the output being written, or the
    /// checkpoint being read).
    static func setSubject(_ path: String) { state.subject = path }

    /// The line for a read past the end of a mapped input that shrank.
    private static func faultLine() -> String {
        var path = [CChar](repeating: 0, count: 4096)
        var mapped: Int64 = 0
        var now: Int64 = 0
        guard cckpt_faulting_mapping(&path, path.count, &mapped, &now) == 0 else {
            return "ckpt: error: an input file changed while in use"
        }
        let name = String(decoding: path.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let change = now >= 0 && now < mapped ? "shrank from \(mapped) to \(now) bytes" : "changed"
        return "ckpt: error: \(name): file \(change) while in use"
    }
}

/// The subject of the interrupt message, set by the command before its work starts.
private final class InterruptMessage: @unchecked Sendable {
    private let lock = NSLock()
    private var storedSubject: String?

    var subject: String? {
        get { lock.withLock { storedSubject } }
        set { lock.withLock { storedSubject = newValue } }
    }

    func line(removedPartialOutput: Bool) -> String {
        let problem = removedPartialOutput ? "interrupted; the partial output was removed" : "interrupted"
        return "ckpt: error: " + (subject.map { "\($0): " } ?? "") + problem
    }
}
