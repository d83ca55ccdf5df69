import ArgumentParser
import CkptPrecompute
import CkptStorage
import Foundation

/// `ckpt decompress INPUT OUTPUT [--force] [--json]`.
struct Decompress: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn a --compress zstd conversion into the plain one, byte for byte what converting without --compress writes.")

    @Argument(help: "A converted checkpoint whose table is zstd-compressed.")
    var input: String

    @Argument(help: "A .gguf path for GGUF input, a directory for Hugging Face input.")
    var output: String

    @Flag(help: "Replace OUTPUT if it exists (a GGUF file, or a previous ckpt output directory).")
    var force = false

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    func run() throws {
        Interrupts.setSubject(output)
        let start = Date()
        let decompressor = try Decompressor(input: input, output: output, overwrite: force)
        let lock = try OutputLock(output: output)
        defer { lock.release() }
        let written = try decompressor.run()
        let seconds = Date().timeIntervalSince(start)
        try DecompressReport(
            input: input, output: decompressor.outputPaths[0], inputBytes: decompressor.inputBytes(), outputBytes: written, seconds: seconds
        ).print(json: json)
    }
}
