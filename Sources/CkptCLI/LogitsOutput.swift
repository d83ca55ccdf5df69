import CkptFormats
import CkptStorage
import Foundation

/// Where `logits --out FILE` may write: nothing of the user's is replaced by surprise. An existing FILE
/// is replaced only with `--force` and only when it is a regular file (a directory, FIFO, socket or
/// device is refused, `--force` or not), and FILE may be neither the model nor one of its files, nor lie
/// inside a model directory given as input.
enum LogitsOutput {
    /// The checks that need no model: what exists at `path`.
    static func checkExisting(_ path: String, force: Bool) throws(FormatError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if let problem = FileKind.problem(at: path) {
            throw FormatError(file: path, "\(problem); --out names the .npy file to write")
        }
        guard force else { throw FormatError(file: path, "already exists (use --force to replace it)") }
    }

    /// `path` must stay clear of `checkpoint`, opened from `model`: its directory or file, and every file it reads.
    static func checkClear(_ path: String, of checkpoint: Checkpoint, model: String) throws(FormatError) {
        var inputs = [checkpoint.path] + checkpoint.files.map(\.path) + (checkpoint.configPath.map { [$0] } ?? [])
        if !model.hasPrefix(HuggingFaceCache.scheme) { inputs.append(model) }
        if let conflict = PathContainment.conflict(output: path, inputs: inputs) { throw FormatError(file: path, conflict) }
    }
}
