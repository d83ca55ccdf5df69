import CkptFormats
import CkptJSON
import CkptTestSupport
import Foundation
import Testing

@testable import CkptCLI

/// Every command's `--json` has exactly the keys the README lists under "JSON output" (and, for plan,
/// under "Commands"), in that order; the reports that are `Codable` read back to the same output.
@Suite(.removesTemporaryDirectories) struct ReportJSONTests {
    /// The command's stdout as a JSON object; the command must exit with `status`.
    func json(_ arguments: [String], status: Int32 = 0) throws -> JSONObject {
        let run = try runCkpt(arguments)
        #expect(run.status == status, "\(arguments): \(run.stderr)")
        return try #require(try JSONParser().parse(Array(run.stdout.utf8)).object)
    }

    /// Re-encodes the report `T` decodes from `stdout`: equal to `stdout` when the JSON is `T`'s, key for key.
    func roundTrip<T: Codable>(_ type: T.Type, _ stdout: String) throws -> String {
        let report = try JSONDecoder().decode(T.self, from: Data(stdout.utf8))
        return try JSONValueEncoder().encode(report).serialized(options: .prettyPrinted) + "\n"
    }

    static let tableSizeKeys = [
        "table_dtype", "auto", "table_bytes", "output_bytes", "removed_bytes", "head_copy_bytes", "change_bytes",
        "relative_change", "token_reads_saved_bytes", "verdict",
    ]

    @Test func inspect() throws {
        let root = try json(["inspect", "--json", Samples.url("formats/kv-types.gguf").path])
        #expect(
            root.keys == [
                "path", "format", "files", "architecture", "hyperparameters", "tensor_count", "tensor_bytes", "tensors", "metadata",
                "warnings", "source_fingerprint",
            ])
        #expect(root["source_fingerprint"]?.string?.count == 64)
        #expect(root["files"]?.array?.first?.object?.keys == ["path", "bytes"])
        #expect(root["tensors"]?.array?.first?.object?.keys == ["name", "dtype", "shape", "bytes", "file"])
        #expect(root["metadata"]?.object?["tokenizer.ggml.tokens"]?.object?.keys == ["type", "element_type", "count", "head"])
        let unknown = try json(["inspect", "--json", Samples.url("formats/all-dtypes.safetensors").path])
        #expect(unknown["architecture"] == .null)
    }

    @Test func plan() throws {
        let keys = [
            "architecture", "block", "assume_parallel", "table_width", "vocab_size", "model_weights", "router_weights_per_layer",
            "router_counted", "rows", "input_bytes", "table_sizes", "verdict",
        ]
        let verdictKeys = ["unit", "table_dtype", "reads_saved_per_token", "memory_added", "loss", "rule", "text"]
        for (model, measured) in [("tiny/llama/model.gguf", true), ("configs/mistral-7b.json", false)] {
            let root = try json(["plan", "--json", Samples.url(model).path])
            #expect(root.keys == keys)
            #expect(root["rows"]?.array?.first?.object?.keys == ["label", "value", "text"])
            #expect(root["verdict"]?.object?.keys == verdictKeys)
            let sizes = try #require(root["table_sizes"]?.array?.compactMap { $0.object })
            #expect(!sizes.isEmpty && sizes.allSatisfy { $0.keys == Self.tableSizeKeys })
            // Without a file to measure, what it would give is null rather than left out.
            #expect(root["input_bytes"]?.isNull == !measured, "\(model)")
            #expect(sizes.allSatisfy { $0["output_bytes"]?.isNull == !measured }, "\(model)")
            #expect(root["verdict"]?.object?["table_dtype"]?.isNull == !measured, "\(model)")
        }
    }

    @Test func convertAndDecompress() throws {
        let dir = try makeScopedTemporaryDirectory("report-json")
        let source = Samples.url("tiny/llama/model.gguf").path
        let packed = dir.appendingPathComponent("packed.gguf").path
        let plain = dir.appendingPathComponent("plain.gguf").path

        let dryRun = try json(["convert", source, packed, "--precompute-first-layer", "--compress", "zstd", "--dry-run", "--json"])
        #expect(
            dryRun.keys == [
                "input", "output", "dry_run", "output_files", "removed_tensors", "table_rows", "table_width", "table_dtype", "table_bytes",
                "table_compression", "input_bytes", "output_bytes", "removed_bytes", "head_copy_bytes", "change_bytes", "relative_change",
            ])
        #expect(dryRun["dry_run"] == true)
        #expect(dryRun["table_compression"] == "zstd")

        var run = try runCkpt(["convert", source, packed, "--precompute-first-layer", "--compress", "zstd", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let converted = try #require(try JSONParser().parse(Array(run.stdout.utf8)).object)
        #expect(
            converted.keys == [
                "input", "output", "format", "table_rows", "table_width", "table_dtype", "table_bytes", "compressed_table_bytes",
                "removed_tensors", "passed_through", "input_bytes", "output_bytes", "seconds", "table_seconds", "table_gflops",
            ])
        #expect(try roundTrip(ConvertReport.self, run.stdout) == run.stdout)

        run = try runCkpt(["decompress", packed, plain, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let decompressed = try #require(try JSONParser().parse(Array(run.stdout.utf8)).object)
        #expect(decompressed.keys == ["input", "output", "input_bytes", "output_bytes", "seconds"])
        #expect(try roundTrip(DecompressReport.self, run.stdout) == run.stdout)

        run = try runCkpt(["convert", source, dir.appendingPathComponent("again.gguf").path, "--precompute-first-layer", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try JSONParser().parse(Array(run.stdout.utf8)).object?["compressed_table_bytes"] == .null)
    }

    @Test func validate() throws {
        let dir = try makeScopedTemporaryDirectory("report-json")
        let source = Samples.url("tiny/llama/model.gguf").path
        let converted = dir.appendingPathComponent("converted.gguf").path
        let run = try runCkpt(["convert", source, converted, "--precompute-first-layer", "--table-dtype", "bf16"])
        #expect(run.status == 0, "\(run.stderr)")
        for (limits, status) in [([], 0), (["--max-kld", "1e-12", "--min-same-top", "50"], 1)] as [([String], Int32)] {
            let root = try json(["validate", "--json", source, converted] + limits, status: status)
            #expect(
                root.keys == [
                    "passed", "table_dtype", "checks", "structure", "audit", "consistency", "logits", "seconds", "phase_seconds",
                ])
            let checks = try #require(root["checks"]?.array?.compactMap { $0.object })
            #expect(checks.count == 4 + limits.count / 2)
            #expect(checks.allSatisfy { $0.keys == ["name", "passed", "detail", "advice"] })
            // Advice only for a failed check, null otherwise.
            #expect(checks.allSatisfy { $0["advice"]?.isNull == ($0["passed"] == true) })
            #expect(root["structure"]?.object?.keys == ["passed", "identical_tensors", "replaced_tensors", "problems"])
            #expect(root["audit"]?.object?.keys == ["passed", "rows", "worst_token", "worst_error", "worst_error_over_limit"])
            #expect(
                root["consistency"]?.object?.keys == [
                    "passed", "max_abs_logit_diff", "limit_max_abs_logit_diff", "rounding_max_abs_logit_diff", "mean_kld",
                    "top_changes_outside_ties",
                ])
            let logits = try #require(root["logits"]?.object)
            #expect(
                logits.keys == [
                    "positions", "mean_kld", "max_kld", "same_top", "same_top_outside_ties", "max_abs_logit_diff", "rms_logit_diff", "nmse",
                    "limit_mean_kld", "limit_same_top",
                ])
            #expect(logits["limit_mean_kld"]?.isNull == limits.isEmpty)
            #expect(root["phase_seconds"]?.object?.keys == ["structure", "audit", "logits"])
        }
    }
}
