import ArgumentParser
import CkptPrecompute
import CkptStorage
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

    @Option(parsing: .unconditional, help: "Threads for the table, 1 to 1024 (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Replace OUTPUT if it exists.")
    var force = false

    @Flag(help: "Keep every original tensor and add the table beside them, so stock loaders still load the file.")
    var keepOriginal = false

    @Flag(
        help:
            "Hard-link shards that no tensor of the conversion changes instead of copying them. They then share any later in-place edit of the source."
    )
    var link = false

    @Flag(help: "Convert even when layer 0's tensors or the table rows computed from them hold NaN or infinity.")
    var allowNonfinite = false

    @Flag(
        help:
            "Also write modeling_ckpt.py and config.json's auto_map, so transformers loads the output with trust_remote_code=True (Hugging Face output)."
    )
    var transformersCode = false

    @Flag(help: "Check everything and report what would be written, without writing.")
    var dryRun = false

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    func validate() throws {
        guard precomputeFirstLayer else { throw ValidationError("--precompute-first-layer is required") }
        guard threads > 0 else { throw ValidationError("--threads must be positive") }
        try OptionLimits.checkThreads(threads)
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
        options.allowNonFinite = allowNonfinite
        options.transformersCode = transformersCode
        let converter = try Converter(input: input, output: output, options: options)
        if dryRun {
            try ConvertDryRunReport(converter, sizes: converter.sizer.sizes(tableDtype)).print(json: json)
            return
        }
        let lock = try OutputLock(output: output)
        defer { lock.release() }
        let rows = ConvertProgress(copyTotal: converter.passedThroughBytes)
        let line = ProgressLine(quiet: json) { rows.text }
        let summary = try converter.run { done, total in rows.update(done: done, total: total) }
        line?.finish()
        try ConvertReport(summary).print(json: json)
    }
}

extension ConversionOptions.TableType: ExpressibleByArgument {}

/// `convert`'s two concurrent phases: table rows computed, and source bytes copied into the output.
private final class ConvertProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let start = Date()
    private let copyStart = CopyProgress.bytes
    private let copyTotal: Int
    private var rows = (done: 0, total: 0)
    /// Each phase's seconds, frozen when it completes so its rate stays its own.
    private var tableSeconds: Double?
    private var copySeconds: Double?

    init(copyTotal: Int) { self.copyTotal = copyTotal }

    func update(done: Int, total: Int) { lock.withLock { rows = (done, total) } }

    var text: String {
        lock.withLock {
            let now = Date().timeIntervalSince(start)
            let copied = min(copyTotal, CopyProgress.bytes - copyStart)
            if rows.total > 0, rows.done == rows.total, tableSeconds == nil { tableSeconds = now }
            if copied == copyTotal, copySeconds == nil { copySeconds = now }
            return "convert: "
                + PhaseProgress(name: "table", done: rows.done, total: rows.total, unit: "rows", seconds: tableSeconds ?? now).text
                + " | " + PhaseProgress(name: "copy", done: copied, total: copyTotal, unit: "bytes", seconds: copySeconds ?? now).text
        }
    }
}
