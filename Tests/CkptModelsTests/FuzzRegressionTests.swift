import CkptTestSupport
import Foundation
import Testing

/// Every input a fuzz target crashed on (Fuzz/Regressions/<target>/, README.md "Fuzzing") goes to the
/// entry the fuzzer ran (`FuzzEntries`, the same file) and must be refused with a one-line error, or
/// accepted. Each runs in a child process (an exit test), so an input that still crashes fails its
/// own test and not the whole run.
@Suite struct FuzzRegressionTests {
    struct Input: Sendable {
        var target: String
        var path: String
        var testDescription: String { target + "/" + (path as NSString).lastPathComponent }
    }

    static let regressions = Samples.root.appendingPathComponent("Fuzz/Regressions")
    static let template = Samples.root.appendingPathComponent("Fuzz/Templates/llama-zstd.gguf").path

    static var inputs: [Input] {
        let manager = FileManager.default
        return FuzzTarget.allCases.flatMap { target in
            let directory = regressions.appendingPathComponent(target.rawValue)
            let names = (try? manager.contentsOfDirectory(atPath: directory.path)) ?? []
            return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted().map {
                Input(target: target.rawValue, path: directory.appendingPathComponent($0).path)
            }
        }
    }

    /// Runs `path` through the `target` entry: exit status 0 when it is accepted or refused with one
    /// line, 1 when the refusal has a line break or the entry reports a failure; a crash is a signal.
    static func replay(target: String, path: String) -> Int32 {
        guard let target = FuzzTarget(rawValue: target), let bytes = FileManager.default.contents(atPath: path) else { return 1 }
        do {
            let directory = try makeTemporaryDirectory("fuzz-regression")
            defer { removeTemporaryDirectory(directory) }
            let entries = try FuzzEntries(directory: directory.path, tableTemplate: target == .table ? template : nil)
            do {
                try bytes.withUnsafeBytes { try entries.run(target, $0) }
            } catch let failure as FuzzEntryFailure {
                print("\(path): \(failure)")
                return 1
            } catch {
                let text = "\(error)"
                guard !text.contains("\n") else {
                    print("\(path): refused with more than one line: \(text)")
                    return 1
                }
            }
        } catch {
            print("\(path): \(error)")
            return 1
        }
        return 0
    }

    /// Each input in a child process of its own; with no input committed there is nothing to check.
    @Test func regressionInputsAreRefusedCleanly() async {
        for input in Self.inputs {
            await #expect(processExitsWith: .success, "\(input.testDescription)") {
                [target = input.target as String, path = input.path as String] in
                exit(FuzzRegressionTests.replay(target: target, path: path))
            }
        }
    }

    /// The regression inputs exist where `Scripts/fuzz` puts crashes, one directory per target at most.
    @Test func regressionDirectoriesNameTargets() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.regressions.path)
        let targets = Set(FuzzTarget.allCases.map(\.rawValue))
        #expect(names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") && !targets.contains($0) } == [])
    }

    /// The `table` target's template is still a compressed conversion this ckpt reads, and its own
    /// frames (the seed) are read without error: otherwise that fuzzer would only fuzz the refusal.
    @Test func tableTemplateSeedIsAccepted() throws {
        let directory = try makeTemporaryDirectory("fuzz-template")
        defer { removeTemporaryDirectory(directory) }
        let entries = try FuzzEntries(directory: directory.path, tableTemplate: Self.template)
        let seed = try #require(FuzzTarget.table.seeds(from: [], template: entries.template).first)
        try seed.bytes.withUnsafeBytes { try entries.run(.table, $0) }
    }

    /// Each target's seeds from the shipped samples include inputs its reader accepts, so the fuzzers
    /// start inside the formats rather than at their magic numbers.
    @Test(arguments: [FuzzTarget.gguf, .safetensors, .json, .description])
    func seedsIncludeAcceptedInputs(_ target: FuzzTarget) throws {
        let directory = try makeTemporaryDirectory("fuzz-seeds")
        defer { removeTemporaryDirectory(directory) }
        let entries = try FuzzEntries(directory: directory.path)
        let files = [
            "formats/aligned64.gguf", "formats/kv-types.gguf", "formats/all-dtypes.safetensors", "tiny/llama/model.gguf",
            "tiny/llama/hf-f32/config.json", "configs/mistral-7b.json",
        ].map { Samples.url($0).path }
        var accepted = 0
        for seed in target.seeds(from: files, template: nil) {
            do {
                try seed.bytes.withUnsafeBytes { try entries.run(target, $0) }
                accepted += 1
            } catch let failure as FuzzEntryFailure {
                Issue.record("\(target.rawValue) seed \(seed.name): \(failure)")
            } catch {}
        }
        #expect(accepted > 0)
    }
}
