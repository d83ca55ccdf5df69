import Foundation
import Testing

/// The SmolLM2-135M-Instruct Q4_1 GGUF fetched by `Scripts/fetch-smollm2`, or nil when it is absent
/// (tests then pass without checking it). `Scripts/test` sets `CKPT_SMOLLM2_GGUF`, making it required.
public func smolLM2Path() throws -> String? {
    let environment = ProcessInfo.processInfo.environment
    if let path = environment["CKPT_SMOLLM2_GGUF"], !path.isEmpty {
        guard FileManager.default.fileExists(atPath: path) else {
            throw SmolLM2Missing(path: path)
        }
        return path
    }
    let cached = Samples.cacheDirectory.appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf").path
    return FileManager.default.fileExists(atPath: cached) ? cached : nil
}

struct SmolLM2Missing: Error, CustomStringConvertible {
    var path: String
    var description: String { "CKPT_SMOLLM2_GGUF names \(path), which does not exist (run Scripts/fetch-smollm2)" }
}

/// Hex SHA-256 of a file, via the system's sha256sum.
public func sha256File(_ path: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sha256sum", path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
}
