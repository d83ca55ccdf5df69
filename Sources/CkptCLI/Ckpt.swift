import ArgumentParser
import CCkptSystem
import CkptFormats
import CkptModels
import Foundation

/// The `ckpt` command: subcommands per ../shared/DESIGN.md.
public struct Ckpt: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ckpt",
        abstract: "Inspect and convert GGUF and safetensors checkpoints; precompute the first layer of RoPE transformers.",
        version: ckptVersion,
        subcommands: [Inspect.self, Plan.self, Convert.self, Validate.self, Logits.self])

    public init() {}

    /// Runs the command line; exit codes: 0 success, 1 validation failed, 2 bad input or usage.
    public static func main() {
        cckpt_keep_freed_memory()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as FormatError {
            exitWithMessage("ckpt: error: \(error)", code: 2)
        } catch let error as ModelError {
            exitWithMessage("ckpt: error: \(error)", code: 2)
        } catch let error as ExitCode {
            Foundation.exit(error.rawValue)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                print(message)
                Foundation.exit(0)
            }
            exitWithMessage(message, code: 2)
        }
    }

    static func exitWithMessage(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        Foundation.exit(code)
    }
}

/// The tool's version, recorded in converted files.
public let ckptVersion = "0.1.0"
