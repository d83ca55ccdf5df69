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
    let process = Process()
    process.executableURL = ckptExecutable
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes concurrently so a full pipe cannot block the child.
    nonisolated(unsafe) var errData = Data()
    let errReader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
    errReader.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !errReader.isFinished { usleep(1000) }
    return CkptRun(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}
