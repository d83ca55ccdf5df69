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
    let started = try StartedCkpt(arguments, environment: environment)
    let deadline = Date().addingTimeInterval(seconds)
    var timedOut = false
    while started.process.isRunning {
        if Date() > deadline {
            timedOut = true
            kill(started.process.processIdentifier, SIGKILL)
            break
        }
        usleep(10_000)
    }
    return TimedCkptRun(run: started.finish(), timedOut: timedOut)
}
