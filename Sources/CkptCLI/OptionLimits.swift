import ArgumentParser
import CkptStorage

/// The documented bounds of the numeric options (README.md, "Commands"), so that no option can ask for
/// more threads, positions or sequences than a run can hold: `--threads` 1 to 1024; `--tokens` and
/// `--random` at most 4096 tokens, and no more than the model's context length when the file gives one;
/// `--sequences` 1 to 256.
enum OptionLimits {
    static let threads = 1024
    static let tokens = 4096
    static let sequences = 1...256

    /// Refuses `--threads N` above `threads` (commands refuse 0 and below themselves).
    static func checkThreads(_ count: Int) throws {
        guard count <= threads else { throw ValidationError("--threads allows at most \(threads), not \(count)") }
    }

    /// Refuses `--sequences K` outside `sequences`.
    static func checkSequences(_ count: Int) throws {
        guard sequences.contains(count) else {
            throw ValidationError(
                count < 1 ? "--sequences must be positive" : "--sequences allows at most \(sequences.upperBound), not \(count)")
        }
    }

    /// Refuses a sequence of more than `tokens` tokens given through `option`.
    static func checkLength(_ count: Int, _ option: String) throws {
        guard count <= tokens else { throw ValidationError("\(option) allows at most \(tokens) tokens, not \(count)") }
    }

    /// Refuses a sequence longer than `context`, the context length the model in `file` records (nil: unknown).
    static func checkContext(_ count: Int, _ option: String, context: Int?, file: String) throws(FormatError) {
        guard let context, count > context else { return }
        throw FormatError(file: file, "\(option) asks for \(count) tokens, more than the model's context length \(context)")
    }
}
