import Foundation

/// A one-line live status on stderr while a long phase runs, redrawn four times a second from
/// `status`, when stderr is a terminal; nothing otherwise (and nothing with `--json`), so logs and
/// pipes stay quiet. `finish` draws the last status and ends the line.
final class ProgressLine: @unchecked Sendable {
    private let status: @Sendable () -> String
    private let lock = NSLock()
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    /// A line drawing `status`, or nil when stderr is not a terminal or `quiet`.
    init?(quiet: Bool, status: @escaping @Sendable () -> String) {
        guard !quiet, isatty(2) != 0 else { return nil }
        self.status = status
        let thread = Thread { [self] in
            while !lock.withLock({ stopped }) {
                draw()
                Thread.sleep(forTimeInterval: 0.25)
            }
            done.signal()
        }
        thread.start()
    }

    /// Stops redrawing, draws the final status and ends the line.
    func finish() {
        lock.withLock { stopped = true }
        done.wait()
        draw()
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw() {
        // Carriage return, the status, then erase what a longer previous status left.
        FileHandle.standardError.write(Data(("\r" + status() + "\u{1B}[K").utf8))
    }
}

/// Progress through `total` units of a phase: done, rate and the time left at that rate.
struct PhaseProgress {
    var name: String
    var done: Int
    var total: Int
    var unit: String
    var seconds: Double

    /// `table 12,288/49,152 rows (25%), 8.1k rows/s, 0:05 left`; byte counts in binary units.
    var text: String {
        let bytes = unit == "bytes"
        func amount(_ value: Int) -> String { bytes ? ByteCountText.format(value) : value.formatted() }
        var text = "\(name) \(bytes ? amount(done) : done.formatted())/\(amount(total))\(bytes ? "" : " " + unit)"
        guard total > 0 else { return text }
        text += " (\(Int((100 * Double(done) / Double(total)).rounded(.down)))%)"
        guard seconds > 0.5, done > 0 else { return text }
        let rate = Double(done) / seconds
        text += ", " + (bytes ? ByteCountText.format(Int(rate)) + "/s" : Self.compact(rate) + " \(unit)/s")
        if done < total {
            let left = Int((Double(total - done) / rate).rounded(.up))
            text += ", " + String(format: "%d:%02d left", left / 60, left % 60)
        }
        return text
    }

    /// `8100` → `8.1k`, `2_500_000` → `2.5M`.
    static func compact(_ value: Double) -> String {
        switch value {
        case 1e6...: String(format: "%.1fM", value / 1e6)
        case 1e4...: String(format: "%.0fk", value / 1e3)
        case 1e3...: String(format: "%.1fk", value / 1e3)
        default: String(format: "%.0f", value)
        }
    }
}
