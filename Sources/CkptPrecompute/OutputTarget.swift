import CkptFormats
import CkptJSON
import CkptModels
import CkptStorage
import Foundation

/// Where a conversion (or a decompression) of `source` writes: the paths, checked before any work so
/// that ckpt never destroys what it did not write — the name must fit the container, the output may
/// neither contain the input nor lie inside it, and `--force` replaces only a GGUF file (GGUF input)
/// or a directory holding a previous ckpt output and nothing else (Hugging Face input); an empty
/// directory counts as free — and the write of a rewrite to them.
struct OutputTarget {
    enum Container {
        /// One `.gguf` file per output path.
        case ggufFile
        /// A Hugging Face model directory.
        case directory
    }

    let container: Container
    /// OUTPUT as given.
    let output: String
    /// The files (or directory) written: one per shard for a split GGUF.
    let paths: [String]
    /// The input as given, and every file it reads.
    let inputs: [String]
    let overwrite: Bool

    /// The target for rewriting `source`, opened from `input`, into `output`.
    init(source: Checkpoint, input: String, output: String, overwrite: Bool) {
        container = source.format == .gguf ? .ggufFile : .directory
        self.output = output
        paths = source.format == .gguf ? Checkpoint.ggufOutputPaths(output, count: source.files.count) : [output]
        inputs = [source.path] + source.files.map(\.path) + (source.configPath.map { [$0] } ?? [])
        self.overwrite = overwrite
    }

    /// Writes `rewrite` to the paths: GGUF files committed together, or the directory swapped in when
    /// what is there (if anything) may be replaced. Returns the bytes written.
    func write(_ rewrite: CheckpointRewrite, hardLink: Bool) throws -> Int {
        switch container {
        case .ggufFile:
            return try rewrite.writeGGUF(to: paths, overwrite: overwrite)
        case .directory:
            return try rewrite.writeDirectory(output, hardLink: hardLink) { path in
                try Self.checkReplaceableDirectory(path, overwrite: overwrite)
            }
        }
    }

    /// Every check that needs no computing, for each of `paths`.
    func check() throws(FormatError) {
        for path in paths {
            try checkName(path)
            try checkDirectory(of: path)
            if let conflict = PathContainment.conflict(output: path, inputs: inputs) { throw FormatError(file: path, conflict) }
            try checkExisting(path)
        }
    }

    private func checkName(_ path: String) throws(FormatError) {
        let name = URL(fileURLWithPath: path).lastPathComponent.lowercased()
        switch container {
        case .ggufFile:
            guard name.hasSuffix(".gguf") else {
                throw FormatError(file: path, "a GGUF input converts to a GGUF file; give OUTPUT a .gguf name")
            }
        case .directory:
            guard !name.hasSuffix(".gguf"), !name.hasSuffix(".safetensors") else {
                throw FormatError(
                    file: path,
                    "a Hugging Face input converts to a directory, not a single "
                        + (name.hasSuffix(".gguf") ? ".gguf" : ".safetensors") + " file; give OUTPUT a directory name")
            }
        }
    }

    private func checkDirectory(of path: String) throws(FormatError) {
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FormatError(file: path, "its directory \(parent) does not exist")
        }
        guard access(parent, W_OK) == 0 else {
            throw FormatError(file: path, "cannot write in \(parent): \(MappedFile.errnoText())")
        }
    }

    /// What exists at `path` may be replaced only with `--force`, and only if ckpt would write it.
    private func checkExisting(_ path: String) throws(FormatError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        let kind = info.st_mode & S_IFMT
        if kind == S_IFLNK {
            throw FormatError(file: path, "is a symbolic link; remove it or choose another OUTPUT")
        }
        switch container {
        case .ggufFile:
            guard kind == S_IFREG else {
                throw FormatError(file: path, "is a directory; a GGUF input converts to a .gguf file")
            }
            guard overwrite else { throw FormatError(file: path, "already exists (use --force to replace it)") }
            guard Self.startsWithGGUFMagic(path) else {
                throw FormatError(file: path, "is not a GGUF file; --force replaces only a GGUF file")
            }
        case .directory:
            guard kind == S_IFDIR else {
                throw FormatError(file: path, "is a file; a Hugging Face input converts to a directory")
            }
            try Self.checkReplaceableDirectory(path, overwrite: overwrite)
        }
    }

    /// An empty directory, or with `overwrite` a previous ckpt output holding only what ckpt writes.
    static func checkReplaceableDirectory(_ path: String, overwrite: Bool) throws(FormatError) {
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
        guard !entries.isEmpty else { return }
        guard overwrite else { throw FormatError(file: path, "already exists (use --force to replace it)") }
        let foreign = entries.filter { name in
            var info = stat()
            let isFile = lstat(path + "/" + name, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
            return !isFile || !Self.isWrittenByConvert(name)
        }
        func listing(_ names: [String]) -> String {
            names.prefix(5).joined(separator: ", ") + (names.count > 5 ? " and \(names.count - 5) more" : "")
        }
        guard foreign.isEmpty else {
            throw FormatError(
                file: path, "holds what ckpt does not write (\(listing(foreign))); --force replaces only a previous ckpt output")
        }
        guard isConvertedConfig(path + "/config.json") else {
            throw FormatError(
                file: path,
                "is not a ckpt output (it holds \(listing(entries)) but no \(PrecomputedTable.configKey) "
                    + "in a config.json); --force replaces only a previous ckpt output")
        }
    }

    /// Names a Hugging Face conversion writes: shards, their index, config.json, the copied side files
    /// and `--transformers-code`'s file.
    static func isWrittenByConvert(_ name: String) -> Bool {
        name.hasSuffix(".safetensors") || name == SafetensorsIndex.fileName || name == "config.json" || CheckpointRewrite.isSideFile(name)
            || name == TransformersCode.fileName
    }

    private static func isConvertedConfig(_ path: String) -> Bool {
        guard let file = try? MappedFile(path: path),
            let value = try? JSONBudget.parse(file.allBytes, file: path, maxBytes: JSONBudget.configBytes), let object = value.object
        else { return false }
        return object[PrecomputedTable.configKey] != nil
    }

    private static func startsWithGGUFMagic(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4)) == Data("GGUF".utf8)
    }
}
