import ArgumentParser
import CkptEngine
import CkptFormats
import CkptModels
import CkptStorage
import Foundation

/// `ckpt logits MODEL --tokens 1,2,3 --out FILE.npy [--force]`.
struct Logits: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the reference engine on one token sequence and write float32 logits [n_tokens, vocab] as .npy.")

    @Argument(help: "A .gguf file, a .safetensors file with config.json, or a Hugging Face model directory.")
    var model: String

    @Option(parsing: .unconditional, help: "Comma-separated token ids, e.g. 1,2,3.")
    var tokens: TokenList

    @Option(help: "Where to write the logits (.npy, v1.0, <f4, C order).")
    var out: String

    @Flag(help: "Replace OUT if it exists.")
    var force = false

    func validate() throws {
        try tokens.checkTokenIDs("--tokens")
    }

    func run() throws {
        Interrupts.setSubject(out)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory) {
            guard !isDirectory.boolValue else { throw FormatError(file: out, "is a directory; --out names the .npy file to write") }
            guard force else { throw FormatError(file: out, "already exists (use --force to replace it)") }
        }
        let engine = Engine(model: try Model(Checkpoint.open(model)))
        let logits = try engine.logits(tokens: tokens.ids)
        try NumpyArray(shape: [tokens.ids.count, engine.model.description.vocabSize], values: logits).write(to: out, overwrite: force)
    }
}

/// A non-empty comma-separated list of integers: token ids or batch sizes, checked by the command.
struct TokenList: ExpressibleByArgument {
    var ids: [Int]

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        let ids = parts.compactMap { Int($0.filter { $0 != " " }) }
        guard !ids.isEmpty, ids.count == parts.count else { return nil }
        self.ids = ids
    }

    var defaultValueDescription: String { ids.map(String.init).joined(separator: ",") }

    /// Token ids are 0 or above.
    func checkTokenIDs(_ option: String) throws {
        guard ids.allSatisfy({ $0 >= 0 }) else { throw ValidationError("\(option) takes token ids, 0 or above") }
    }
}
