import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What one run of `ckpt` under a deadline produced; `timedOut` when it had to be killed.
public struct TimedCkptRun: Sendable {
    public var run: CkptRun
    public var timedOut: Bool
}

/// Runs `ckpt` with `arguments`, killing it (SIGKILL, which it cannot answer) when it has not exited
/// after `seconds`: for tests of inputs that could block the process, such as a FIFO given as a model.
public func runCkpt(_ arguments: [String], within seconds: Double, environment: [String: String]? = nil) throws -> TimedCkptRun {
    let process = Process()
    process.executableURL = ckptExecutable
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    nonisolated(unsafe) var outData = Data()
    nonisolated(unsafe) var errData = Data()
    let readers = [
        Thread { outData = out.fileHandleForReading.readDataToEndOfFile() },
        Thread { errData = err.fileHandleForReading.readDataToEndOfFile() },
    ]
    for reader in readers { reader.start() }
    let deadline = Date().addingTimeInterval(seconds)
    var timedOut = false
    while process.isRunning {
        if Date() > deadline {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            break
        }
        usleep(10_000)
    }
    process.waitUntilExit()
    while readers.contains(where: { !$0.isFinished }) { usleep(1000) }
    let run = CkptRun(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
    return TimedCkptRun(run: run, timedOut: timedOut)
}
