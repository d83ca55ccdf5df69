import Foundation

/// What one run of the `ckpt` executable produced.
public struct CkptRun: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// The `ckpt` executable built beside the test bundle.
public var ckptExecutable: URL {
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var dir = runner.deletingLastPathComponent()
    // The runner may sit inside an .xctest bundle directory on some platforms.
    while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("ckpt").path) {
        dir = dir.deletingLastPathComponent()
    }
    return dir.appendingPathComponent("ckpt")
}

/// Runs `ckpt` with `arguments` and collects its exit status and output.
public func runCkpt(_ arguments: [String], environment: [String: String]? = nil) throws -> CkptRun {
    try StartedCkpt(arguments, environment: environment).finish()
}

/// `ckpt` started with `arguments`, both pipes read on threads of their own so that a full pipe cannot
/// block it.
final class StartedCkpt: @unchecked Sendable {
    let process = Process()
    private var output = Data()
    private var errors = Data()
    private var readers: [Thread] = []

    init(_ arguments: [String], environment: [String: String]?) throws {
        process.executableURL = ckptExecutable
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        readers = [
            Thread { self.output = out.fileHandleForReading.readDataToEndOfFile() },
            Thread { self.errors = err.fileHandleForReading.readDataToEndOfFile() },
        ]
        for reader in readers { reader.start() }
    }

    /// Waits for the process and its output.
    func finish() -> CkptRun {
        process.waitUntilExit()
        while readers.contains(where: { !$0.isFinished }) { usleep(1000) }
        return CkptRun(
            status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self),
            stderr: String(decoding: errors, as: UTF8.self))
    }
}
