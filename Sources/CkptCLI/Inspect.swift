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
        try CheckpointSummary(Checkpoint.open(model)).print(json: json)
    }
}
