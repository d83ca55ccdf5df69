import ArgumentParser
import CCkptSystem
import CkptFormats
import CkptModels
import CkptPrecompute
import CkptStorage
import Foundation

/// The `ckpt` command and its subcommands.
public struct Ckpt: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ckpt",
        abstract: "Inspect and convert GGUF and safetensors checkpoints; precompute the first layer of RoPE transformers.",
        version: toolVersion,
        subcommands: [Inspect.self, Plan.self, Convert.self, Decompress.self, Validate.self, Logits.self])

    public init() {}

    /// Runs the command line; exit codes: 0 success, 1 validation failed, 2 bad input or usage, which
    /// always prints exactly one line `ckpt: error: …` on stderr. Never returns: every way out is
    /// `ProcessExit`'s `_exit`.
    public static func main() {
        cckpt_keep_freed_memory()
        Interrupts.install()
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            try checkHelpTopic(arguments)
            var command = try parseAsRoot(arguments)
            try command.run()
            ProcessExit.exit(0)
        } catch let error as FormatError {
            exitWithError("\(error)")
        } catch let error as ModelError {
            exitWithError("\(error)")
        } catch let error as ExitCode {
            ProcessExit.exit(error.rawValue)
        } catch {
            if exitCode(for: error) == .success {
                // --help, --version: the full text on stdout.
                print(fullMessage(for: error))
                ProcessExit.exit(0)
            }
            exitWithError(UsageMessage.oneLine(message(for: error), arguments: arguments))
        }
    }

    /// `ckpt help TOPIC` for a TOPIC that is no subcommand is an error, not the root help.
    static func checkHelpTopic(_ arguments: [String]) throws {
        guard arguments.first == "help", arguments.count > 1 else { return }
        let names = configuration.subcommands.map { $0._commandName }
        guard names.contains(arguments[1]) else {
            throw ValidationError("no command '\(arguments[1])' (commands: \(names.joined(separator: ", ")))")
        }
    }

    static func exitWithError(_ problem: String) -> Never {
        ProcessExit.exit(2, line: "ckpt: error: " + problem)
    }
}

/// Argument-parser's messages, reworded to the tool's one-line form.
enum UsageMessage {
    /// One line: the parser's message with its lines joined, `Error: ` dropped, and a pointer to the
    /// command's help.
    static func oneLine(_ message: String, arguments: [String]) -> String {
        var text = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        if text.hasPrefix("Error: ") { text.removeFirst("Error: ".count) }
        if let first = text.first, first.isUppercase { text = first.lowercased() + text.dropFirst() }
        let command = Ckpt.configuration.subcommands.map { $0._commandName }.first { arguments.first == $0 }
        return text + " (see 'ckpt " + (command.map { $0 + " " } ?? "") + "--help')"
    }
}
