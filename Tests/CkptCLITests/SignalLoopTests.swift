import CkptFormats
import CkptTestSupport
import Foundation
import Testing

/// SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGPIPE at random times through whole conversions (start-up
/// from the moment ckpt catches them, table, zstd compression, copy, clone, rename): every run exits 2 with one line (or finishes first
/// with a complete output), leaves no partial output, and OUTPUT is always a whole output, the
/// previous one or the new one. Closed stdout (SIGPIPE from a write) never kills ckpt.
@Suite(.removesTemporaryDirectories, .serialized) struct SignalLoopTests {
    static let signals: [(number: Int32, name: String)] = [
        (SIGINT, "SIGINT"), (SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP"), (SIGQUIT, "SIGQUIT"), (SIGPIPE, "SIGPIPE"),
    ]
    /// Converting plainly and with zstd: the second has a compression phase and a scratch file.
    static let variants: [[String]] = [[], ["--compress", "zstd:3"]]

    @Test func signalsAtRandomTimesStopEveryConversionCleanly() throws {
        let dir = try makeScopedTemporaryDirectory("signal-loop")
        let source = dir.appendingPathComponent("wide").path
        try WideVocabularyModel.write(to: source, vocabulary: 5_000)
        let output = dir.appendingPathComponent("out").path
        // The complete outputs of each variant, and how long each takes.
        var references: [[String: String]] = []
        var seconds: [Double] = []
        for (index, variant) in Self.variants.enumerated() {
            let reference = dir.appendingPathComponent("reference-\(index)").path
            let start = Date()
            let run = try runCkpt(["convert", source, reference, "--precompute-first-layer"] + variant)
            seconds.append(Date().timeIntervalSince(start))
            #expect(run.status == 0, "\(run.stderr)")
            references.append(try WideVocabularyModel.hashes(of: reference))
        }
        let first = try runCkpt(["convert", source, output, "--precompute-first-layer"])
        #expect(first.status == 0, "\(first.stderr)")
        var previous = try WideVocabularyModel.hashes(of: output)
        let expectedEntries = ["out", "reference-0", "reference-1", "wide"]
        var outcomes: [String: Int] = [:]
        var generator = SplitMix64(seed: 14)
        for run in 0..<50 {
            let variant = run % 2
            let signal = Self.signals[run % Self.signals.count]
            let delay = 0.75 * seconds[variant] * generator.nextUnit()
            let result = try signalled(
                ["convert", source, output, "--precompute-first-layer", "--force"] + Self.variants[variant],
                signal: signal.number, after: delay)
            let now = try WideVocabularyModel.hashes(of: output)
            let label = "run \(run) (\(signal.name) after \(Int(delay * 1000)) ms)"
            switch result.outcome {
            case .signalDeath(let number):
                outcomes["killed by signal \(number)", default: 0] += 1
                Issue.record("\(label): killed by signal \(number): \(result.stderr)")
            case .exit(0):
                outcomes["finished before the signal", default: 0] += 1
                #expect(now == references[variant], "\(label)")
            case .exit(2):
                let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false)
                #expect(lines.count == 2 && lines[1].isEmpty, "\(label): \(result.stderr)")
                // Before the command line is read, there is no OUTPUT to name yet.
                #expect(
                    result.stderr.hasPrefix("ckpt: error: \(output): interrupted") || result.stderr == "ckpt: error: interrupted\n",
                    "\(label): \(result.stderr)")
                // A signal during the rename is answered after it: OUTPUT is then the new, whole output.
                #expect(now == previous || now == references[variant], "\(label)")
                outcomes[now == previous ? "exit 2, previous output kept" : "exit 2, after the new output was in place", default: 0] += 1
            case .exit(let status):
                outcomes["exit \(status)", default: 0] += 1
                Issue.record("\(label): exit \(status): \(result.stderr)")
            }
            previous = now
            let entries = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            #expect(entries == expectedEntries, "\(label): left \(entries)")
        }
        print("signal loop, 50 runs: " + outcomes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        // Most signals land inside the run (how many depends on the machine's load).
        #expect(outcomes.filter { $0.key.hasPrefix("exit 2") }.values.reduce(0, +) >= 30)
    }

    /// `ckpt inspect MODEL | head -1`: the reader is gone before ckpt writes; ckpt exits, not killed.
    @Test func closedStdoutIsNoSignalDeath() throws {
        for arguments in [["inspect", Samples.url("tiny/llama/model.gguf").path], ["plan", Samples.url("tiny/llama/model.gguf").path]] {
            let process = try Self.runWithClosedStdout(arguments)
            #expect(process.terminationReason == .exit, "\(arguments[0]): killed by signal \(process.terminationStatus)")
        }
    }

    @Test func convertWithClosedStdoutLeavesAWholeOutputOrNothing() throws {
        let dir = try makeScopedTemporaryDirectory("signal-pipe")
        let output = dir.appendingPathComponent("out.gguf").path
        let process = try Self.runWithClosedStdout(
            ["convert", Samples.url("tiny/llama/model.gguf").path, output, "--precompute-first-layer", "--json"])
        #expect(process.terminationReason == .exit, "killed by signal \(process.terminationStatus)")
        let entries = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(entries == [] || entries == ["out.gguf"], "left \(entries)")
    }

    /// Runs ckpt with SIGPIPE's default action, as from a shell: the test runner ignores it, and an
    /// ignored signal stays ignored across exec.
    static var defaultSigpipe: [String] { ["--default-signal=PIPE", ckptExecutable.path] }

    /// Runs `ckpt arguments` to its end (with SIGPIPE's default action) writing into a pipe whose reading
    /// end is closed before it starts, as `ckpt … | head -1` once head has gone.
    static func runWithClosedStdout(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = defaultSigpipe + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try output.fileHandleForReading.close()
        try process.run()
        process.waitUntilExit()
        return process
    }

    enum Outcome: Equatable {
        case exit(Int32)
        case signalDeath(Int32)
    }

    /// Whether process `pid` has a handler for `signal` (its `SigCgt` mask in /proc), which ckpt installs
    /// before any library's initializer runs.
    static func catches(_ pid: Int32, _ signal: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
            let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        return mask & (1 << UInt64(signal - 1)) != 0
    }

    /// Runs `ckpt arguments`, sends `signal` `after` seconds once ckpt catches it, and returns how it
    /// ended and its stderr.
    func signalled(_ arguments: [String], signal: Int32, after delay: Double) throws -> (outcome: Outcome, stderr: String) {
        let process = Process()
        process.executableURL = ckptExecutable
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let start = Date()
        // Before its first instruction (while the dynamic loader maps its libraries) nothing can catch it.
        while !Self.catches(process.processIdentifier, signal), process.isRunning, Date().timeIntervalSince(start) < 0.25 { usleep(200) }
        usleep(useconds_t(delay * 1e6))
        kill(process.processIdentifier, signal)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let outcome: Outcome =
            process.terminationReason == .exit ? .exit(process.terminationStatus) : .signalDeath(process.terminationStatus)
        return (outcome, stderr)
    }
}
