import Foundation
import Testing

/// The SmolLM2-135M-Instruct Q4_1 GGUF fetched by `Scripts/fetch-smollm2`, or nil when it is absent.
/// `Scripts/test` sets `CKPT_SMOLLM2_GGUF`, making it required: a path that does not exist throws.
/// Tests should not return early on nil; they carry `.requiresSmolLM2` and call `requireSmolLM2Path()`.
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

/// The SmolLM2 GGUF's path; throws (failing the test) where it is missing.
public func requireSmolLM2Path() throws -> String {
    guard let path = try smolLM2Path() else {
        throw SmolLM2Missing(
            path: Samples.cacheDirectory.appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf").path, fromEnvironment: false)
    }
    return path
}

/// Whether the SmolLM2 tests run: `CKPT_SMOLLM2_GGUF` is set (then a missing file fails them, it does
/// not skip them) or the model is in the cache.
public var smolLM2IsAvailable: Bool {
    if let path = ProcessInfo.processInfo.environment["CKPT_SMOLLM2_GGUF"], !path.isEmpty { return true }
    return (try? smolLM2Path()) != nil
}

extension Trait where Self == ConditionTrait {
    /// Skips the test (reported as skipped, with the reason) where the SmolLM2 GGUF is not available.
    public static var requiresSmolLM2: Self {
        .enabled(
            if: smolLM2IsAvailable,
            "needs SmolLM2-135M-Instruct.Q4_1.gguf: set CKPT_SMOLLM2_GGUF or run Scripts/fetch-smollm2 (Scripts/test does)")
    }
}

struct SmolLM2Missing: Error, CustomStringConvertible {
    var path: String
    var fromEnvironment = true
    var description: String {
        fromEnvironment
            ? "CKPT_SMOLLM2_GGUF names \(path), which does not exist (run Scripts/fetch-smollm2)"
            : "\(path) does not exist and CKPT_SMOLLM2_GGUF is not set (run Scripts/fetch-smollm2)"
    }
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
