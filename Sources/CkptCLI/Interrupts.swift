import CCkptSystem
import CkptFormats
import CkptStorage
import Foundation

/// Answers Ctrl-C and SIGTERM at once, whatever the other threads are doing: the signal handler (C)
/// only writes a byte to a pipe, and a thread of its own blocked on that pipe removes every partial
/// output, prints one line and exits 2. An output `--force` would replace is untouched until its
/// replacement is complete, so an interrupt keeps it.
enum Interrupts {
    private static let state = InterruptMessage()

    /// Routes the signals to the watching thread; call once, before any work.
    static func install() {
        let descriptor = cckpt_route_interrupts_to_pipe()
        guard descriptor >= 0 else { return }
        let watcher = Thread {
            var byte: UInt8 = 0
            while read(descriptor, &byte, 1) < 0 && errno == EINTR {}
            let removed = PartialOutputs.shared.interrupt()
            // A progress line may be open on a terminal: start a new one.
            let line = (isatty(2) != 0 ? "\n" : "") + state.line(removedPartialOutput: removed > 0) + "\n"
            _ = line.withCString { write(2, $0, strlen($0)) }
            _exit(2)
        }
        watcher.start()
    }

    /// Names the file an interrupt's one-line message is about (the output being written, or the
    /// checkpoint being read).
    static func setSubject(_ path: String) { state.subject = path }
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
