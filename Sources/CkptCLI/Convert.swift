import ArgumentParser
import CkptFormats
import CkptPrecompute
import Dispatch
import Foundation

/// `ckpt convert INPUT OUTPUT --precompute-first-layer [...]`.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a checkpoint whose embedding is replaced by the precomputed first layer.")

    @Argument(help: "A .gguf file, a .safetensors file with config.json, or a Hugging Face directory.")
    var input: String

    @Argument(help: "A .gguf path for GGUF input, a directory for Hugging Face input.")
    var output: String

    @Flag(help: "Precompute the first layer into the embedding table (required; the only transform).")
    var precomputeFirstLayer = false

    @Option(help: "Table storage: auto (the embedding's float type, f16 when quantized), f32, f16, bf16, q8_0 (GGUF).")
    var tableDtype: ConversionOptions.TableType = .auto

    @Option(help: "Compress the table into zstd frames of whole rows: zstd[:LEVEL] (level -100 to 22, default 3).")
    var compress: String?

    @Option(parsing: .unconditional, help: "Threads for the table (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Replace OUTPUT if it exists.")
    var force = false

    @Flag(help: "Keep every original tensor and add the table beside them, so stock loaders still load the file.")
    var keepOriginal = false

    @Flag(help: "Hard-link shards that no tensor of the conversion changes instead of copying them. They then share any later in-place edit of the source.")
    var link = false

    @Flag(help: "Check everything and report what would be written, without writing.")
    var dryRun = false

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    func validate() throws {
        guard precomputeFirstLayer else { throw ValidationError("--precompute-first-layer is required") }
        guard threads > 0 else { throw ValidationError("--threads must be positive") }
        _ = try compressionLevel()
    }

    /// The zstd level `--compress` asks for, or nil without it.
    func compressionLevel() throws -> Int32? {
        guard let compress else { return nil }
        let parts = compress.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts[0] == "zstd" else { throw ValidationError("--compress takes zstd or zstd:LEVEL, not '\(compress)'") }
        guard parts.count == 2 else { return 3 }
        guard let level = Int32(parts[1]), (-100...22).contains(level) else {
            throw ValidationError("--compress zstd:LEVEL needs a level from -100 to 22, not '\(parts[1])'")
        }
        return level
    }

    func run() throws {
        Interrupts.setSubject(output)
        var options = ConversionOptions(threads: threads)
        options.tableType = tableDtype
        options.overwrite = force
        options.keepOriginal = keepOriginal
        options.hardLinkUnchangedShards = link
        options.compressionLevel = try compressionLevel()
        let converter = try Converter(input: input, output: output, options: options)
        if dryRun {
            // The same figures as `ckpt plan` (Converter+Sizes): exact for a plain table.
            let sizes = try converter.sizer.sizes(tableDtype)
            let removed = keepOriginal ? [] : converter.removedTensors
            if json {
                print(JSONValue.object(JSONObject([
                    ("input", .string(input)), ("output", .string(output)), ("dry_run", true),
                    ("output_files", .array(converter.outputPaths.map(JSONValue.string))),
                    ("removed_tensors", .array(removed.map(JSONValue.string))),
                    ("table_rows", .number(JSONNumber(sizes.tableRows))), ("table_width", .number(JSONNumber(sizes.tableWidth))),
                    ("table_dtype", .string(sizes.tableType)), ("table_bytes", .number(JSONNumber(sizes.tableBytes))),
                    ("table_compression", .string(options.compressionLevel == nil ? "none" : "zstd")),
                    ("input_bytes", .number(JSONNumber(sizes.inputBytes))), ("output_bytes", .number(JSONNumber(sizes.outputBytes))),
                    ("removed_bytes", .number(JSONNumber(sizes.removedBytes))), ("head_copy_bytes", .number(JSONNumber(sizes.headCopyBytes))),
                    ("change_bytes", .number(JSONNumber(sizes.change))),
                    ("relative_change", JSONNumber(exactly: sizes.relativeChange).map(JSONValue.number) ?? .null),
                ])).serialized(options: .prettyPrinted))
            } else {
                let what = keepOriginal
                    ? "every original tensor kept (--keep-original)"
                    : "replaces \(removed.count) tensors: \(removed.joined(separator: ", "))"
                let head = sizes.headCopyBytes > 0 ? ", the tied head's own copy of the embedding included" : ""
                let compressed = options.compressionLevel == nil ? "" : "; figures for the plain table, zstd's size is known once compressed"
                print("would write \(converter.outputPaths.joined(separator: ", ")): table \(grouped(sizes.tableRows)) × \(grouped(sizes.tableWidth)) "
                    + "\(sizes.tableType) (\(ByteCountText.format(sizes.tableBytes))), \(what); "
                    + "\(ByteCountText.format(sizes.inputBytes)) → \(ByteCountText.format(sizes.outputBytes)) "
                    + "(\(ByteCountText.percent(sizes.relativeChange))\(head))\(compressed)")
            }
            return
        }
        let showProgress = isatty(2) != 0 && !json
        let summary = try converter.run { done, total in
            if showProgress { FileHandle.standardError.write(Data("\rtable: \(done)/\(total) rows".utf8)) }
        }
        if showProgress { FileHandle.standardError.write(Data("\n".utf8)) }
        if json {
            print(JSONValue.object(JSONObject([
                ("input", .string(summary.input)), ("output", .string(summary.output)),
                ("format", .string(summary.format.rawValue)), ("table_rows", .number(JSONNumber(summary.tableRows))),
                ("table_width", .number(JSONNumber(summary.tableWidth))), ("table_dtype", .string(summary.tableType)),
                ("table_bytes", .number(JSONNumber(summary.tableBytes))),
                ("compressed_table_bytes", summary.compressedTableBytes.map { .number(JSONNumber($0)) } ?? .null),
                ("removed_tensors", .array(summary.removedTensors.map(JSONValue.string))),
                ("passed_through", .number(JSONNumber(summary.passedThrough))),
                ("input_bytes", .number(JSONNumber(summary.inputBytes))), ("output_bytes", .number(JSONNumber(summary.outputBytes))),
                ("seconds", JSONNumber(exactly: summary.seconds).map(JSONValue.number) ?? .null),
                ("table_seconds", JSONNumber(exactly: summary.tableSeconds).map(JSONValue.number) ?? .null),
                ("table_gflops", JSONNumber(exactly: summary.tableFlops / max(summary.tableSeconds, 1e-9) / 1e9).map(JSONValue.number) ?? .null),
            ])).serialized(options: .prettyPrinted))
        } else {
            let change = Double(summary.outputBytes - summary.inputBytes) / Double(max(1, summary.inputBytes))
            let compressed = summary.compressedTableBytes.map {
                " (zstd: \(ByteCountText.format($0)), " + String(format: "%.1f%%", Double($0) / Double(max(1, summary.tableBytes)) * 100) + ")"
            } ?? ""
            print("wrote \(summary.output): table \(grouped(summary.tableRows)) × \(grouped(summary.tableWidth)) \(summary.tableType)\(compressed), "
                + "\(summary.removedTensors.count) tensors replaced, \(summary.passedThrough) passed through, "
                + "\(ByteCountText.format(summary.inputBytes)) → \(ByteCountText.format(summary.outputBytes)) (\(ByteCountText.percent(change))) in \(String(format: "%.1f", summary.seconds)) s")
        }
    }
}

extension ConversionOptions.TableType: ExpressibleByArgument {}
