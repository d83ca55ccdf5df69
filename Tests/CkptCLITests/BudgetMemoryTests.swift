import CkptTestSupport
import Foundation
import Testing

/// Peak memory of refusing a hostile header stays under 4× its bytes above what opening a tiny model
/// costs (README.md, "What the readers check"; `Scripts/bench_budgets.py` measures more shapes and sizes).
@Suite(.removesTemporaryDirectories) struct BudgetMemoryTests {
    /// (exit status, peak RSS in bytes, stderr) of `ckpt inspect TARGET` under GNU time.
    static func inspect(_ target: String) throws -> (Int32, Int, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        process.arguments = ["-f", "%M", ckptExecutable.path, "inspect", target]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        let kilobytes = Int(lines.last ?? "") ?? 0
        return (process.terminationStatus, kilobytes * 1024, lines.first { $0.hasPrefix("ckpt: error: ") }.map(String.init) ?? "")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/time"), "needs GNU time"))
    func aConfigOfTinyValuesCostsUnderFourTimesItsSize() throws {
        let directory = try makeScopedTemporaryDirectory("budget-rss").appendingPathComponent("model")
        try FileManager.default.copyItem(at: Samples.url("tiny/llama/hf-f32"), to: directory)
        // 15 MB of `0,`: 7.5 million values, the old parser's tree took ~280 MB for them.
        var json = Array(#"{"a":[0"#.utf8)
        json.reserveCapacity(15_000_000)
        while json.count < 15_000_000 { json += [0x2C, 0x30] }
        json += Array("]}".utf8)
        try Data(json).write(to: directory.appendingPathComponent("config.json"))
        let (_, baseline, _) = try Self.inspect(Samples.url("tiny/llama/hf-f32").path)
        let (status, peak, error) = try Self.inspect(directory.path)
        #expect(status == 2)
        #expect(error.contains("config.json: holds more than 1048576 items, the budget for"), "\(error)")
        #expect(peak - baseline < 4 * json.count, "peak \(peak >> 20) MiB, baseline \(baseline >> 20) MiB")
    }
}
