import ArgumentParser
import CkptEngine
import CkptFormats
import CkptModels

/// `ckpt logits MODEL --tokens 1,2,3 --out FILE.npy`.
struct Logits: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the reference engine on one token sequence and write float32 logits [n_tokens, vocab] as .npy.")

    @Argument(help: "A .gguf file, a .safetensors file with config.json, or a Hugging Face model directory.")
    var model: String

    @Option(help: "Comma-separated token ids, e.g. 1,2,3.")
    var tokens: TokenList

    @Option(help: "Where to write the logits (.npy, v1.0, <f4, C order).")
    var out: String

    func run() throws {
        let engine = Engine(model: try Model(Checkpoint.open(model)))
        let logits = try engine.logits(tokens: tokens.ids)
        try NumpyArray(shape: [tokens.ids.count, engine.model.description.vocabSize], values: logits).write(to: out)
    }
}

/// A non-empty comma-separated list of non-negative token ids.
struct TokenList: ExpressibleByArgument {
    var ids: [Int]

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        let ids = parts.compactMap { Int($0.filter { $0 != " " }) }
        guard !ids.isEmpty, ids.count == parts.count, ids.allSatisfy({ $0 >= 0 }) else { return nil }
        self.ids = ids
    }
}
