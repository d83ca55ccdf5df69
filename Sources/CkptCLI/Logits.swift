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

    @Option(parsing: .unconditional, help: "Comma-separated token ids, e.g. 1,2,3 (at most 4096, and the model's context length).")
    var tokens: TokenList

    @Option(help: "Where to write the logits (.npy, v1.0, <f4, C order).")
    var out: String

    @Flag(help: "Replace OUT if it exists (a regular file only).")
    var force = false

    func validate() throws {
        try tokens.checkTokenIDs("--tokens")
        try OptionLimits.checkLength(tokens.ids.count, "--tokens")
    }

    func run() throws {
        Interrupts.setSubject(out)
        try LogitsOutput.checkExisting(out, force: force)
        let checkpoint = try Checkpoint.open(model)
        try LogitsOutput.checkClear(out, of: checkpoint, model: model)
        try OptionLimits.checkContext(tokens.ids.count, "--tokens", context: checkpoint.contextLength, file: model)
        let engine = Engine(model: try Model(checkpoint))
        let logits = try engine.logits(tokens: tokens.ids)
        let vocab = engine.model.description.vocabSize
        if let index = logits.firstIndex(where: { !$0.isFinite }) {
            throw FormatError(
                file: model,
                "the reference engine computed \(logits.count(where: { !$0.isFinite })) NaN or infinite logits (the first at "
                    + "position \(index / vocab), token id \(index % vocab): \(logits[index])); nothing was written")
        }
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
