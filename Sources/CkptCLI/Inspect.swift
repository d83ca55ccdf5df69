import ArgumentParser
import CkptFormats

/// `ckpt inspect MODEL [--json]`.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a checkpoint's format, architecture, hyperparameters, tensors and metadata.")

    @Argument(help: "A .gguf file, a .safetensors file, or a Hugging Face model directory.")
    var model: String

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    func run() throws {
        let checkpoint = try Checkpoint.open(model)
        let summary = CheckpointSummary(checkpoint)
        if json {
            print(JSONValue.object(summary.json).serialized(options: [.prettyPrinted]))
        } else {
            print(SummaryText.render(summary.json), terminator: "")
        }
    }
}
