import CCkptSystem
import CkptJSON
import CkptStorage
import Foundation

extension CheckpointRewrite {
    /// GGUF: writes one file per source file to `paths`, each into a temporary file beside it, and
    /// renames them all into place at the end (`OutputFile.commitAll`). Returns the bytes written.
    public func writeGGUF(to paths: [String], overwrite: Bool) throws -> Int {
        var files: [OutputFile] = []
        for ((metadata, tensors), path) in zip(try ggufFiles(), paths) {
            let file = try OutputFile(path: path, overwrite: overwrite)
            try GGUFWriter(metadata: metadata, tensors: tensors).write(to: file)
            files.append(file)
        }
        try OutputFile.commitAll(files)
        return files.reduce(0) { $0 + $1.position }
    }

    /// Hugging Face: writes the directory `output` — the safetensors file(s) (a sharded source keeps
    /// its shards, the unchanged ones cloned whole: a reflink, a direct or in-kernel copy, or with
    /// `hardLink` a hard link), the index, the rewritten config.json and the tokenizer files beside the
    /// source, and `addedFiles` — into a temporary directory beside it, then swaps it in (`replaceDirectory`). Errors
    /// name `output`, never the temporary directory. Returns the bytes of the safetensors files and index.
    public func writeDirectory(
        _ output: String, hardLink: Bool, checkReplaceable: (String) throws -> Void
    ) throws -> Int {
        let tensors = try safetensorsTensors()
        let metadata = rewrittenSafetensorsMetadata
        let destination = URL(fileURLWithPath: output)
        let staging = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).ckpt-partial-\(getpid())")
        let manager = FileManager.default
        try? manager.removeItem(at: staging)
        defer {
            try? manager.removeItem(at: staging)
            PartialOutputs.shared.forget(staging.path)
        }
        let written = try StagingErrors.namingOutput(output, staging: staging.path) { () throws -> Int in
            guard PartialOutputs.shared.create(staging.path, kind: .directory, { mkdir(staging.path, 0o755) }) == 0 else {
                throw FormatError(file: staging.path, "cannot create a temporary directory beside it: \(MappedFile.errnoText())")
            }
            let names: [String]
            if let shards = keptShards(tensors) {
                names = try writeShards(shards, metadata: metadata, hardLink: hardLink, to: staging)
            } else {
                names = try SafetensorsShards.write(tensors, metadata: metadata, maxShardBytes: shardLimit, to: staging.path)
            }
            let configFile = try OutputFile(path: staging.appendingPathComponent("config.json").path)
            try configFile.write(JSONValue.object(rewrittenConfig).serializedBytes(options: .prettyPrinted) + [0x0A])
            try configFile.commit()
            for (name, bytes) in addedFiles {
                let file = try OutputFile(path: staging.appendingPathComponent(name).path)
                try file.write(bytes)
                try file.commit()
            }
            for file in try sideFiles() {
                // The file itself, not a link to it (a Hugging Face cache's links are relative to its snapshot).
                try manager.copyItem(at: file.resolvingSymlinksInPath(), to: staging.appendingPathComponent(file.lastPathComponent))
            }
            return try names.reduce(0) { total, name in
                total + ((try manager.attributesOfItem(atPath: staging.appendingPathComponent(name).path)[.size] as? Int) ?? 0)
            }
        }
        try Self.replaceDirectory(output, with: staging.path, checkReplaceable: checkReplaceable)
        return written
    }

    /// The rewritten shards written, the unchanged ones cloned on their own thread meanwhile (keeping
    /// the disk busy while the cores compute whatever the producers compute), then the index.
    private func writeShards(
        _ shards: [KeptShard], metadata: [(key: String, value: String)], hardLink: Bool, to staging: URL
    ) throws -> [String] {
        let unchanged = shards.filter { !$0.rewritten }.map { ($0.file, staging.appendingPathComponent($0.name).path) }
        let clones = ThreadGroup()
        clones.start {
            for (file, destination) in unchanged { _ = try FileCloning.copy(file, to: destination, hardLink: hardLink) }
        }
        defer { clones.waitForAll() }
        for shard in shards where shard.rewritten {
            let output = try OutputFile(path: staging.appendingPathComponent(shard.name).path)
            try SafetensorsWriter(metadata: metadata, tensors: shard.tensors).write(to: output)
            try output.commit()
        }
        try clones.wait()
        let output = try OutputFile(path: staging.appendingPathComponent(SafetensorsIndex.fileName).path)
        try output.write(index(of: shards).jsonBytes())
        try output.commit()
        return shards.map(\.name) + [SafetensorsIndex.fileName]
    }

    /// Tokenizer and generation files: names a Hugging Face model directory carries beside its weights.
    public static func isSideFile(_ name: String) -> Bool {
        ["tokenizer", "special_tokens_map", "generation_config", "vocab", "merges", "chat_template"].contains { name.hasPrefix($0) }
            || name == "added_tokens.json"
    }

    /// The side files beside the source (beside its config.json), copied so the output is complete.
    func sideFiles() throws(FormatError) -> [URL] {
        let directory =
            source.configPath.map { URL(fileURLWithPath: $0).deletingLastPathComponent() }
            ?? URL(fileURLWithPath: source.path).deletingLastPathComponent()
        let contents = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []
        let files = contents.filter { Self.isSideFile($0.lastPathComponent) }
        // Copied as they are, so held to what the model's own files are: regular, and inside the directory.
        for file in files {
            if let problem = FileKind.problem(at: file.path) { throw FormatError(file: file.path, problem) }
            try ContainedFile.check(file.path, in: directory.path)
        }
        return files
    }

    /// Puts the finished directory `staging` at `output`. What is there stays whole until the swap,
    /// after `checkReplaceable` accepted it: the two are exchanged atomically where the file system
    /// can, else the old one is renamed aside first, with interrupts held off (`PartialOutputs.committing`);
    /// then the old one, now under the staging name (removed on interrupt), is deleted.
    static func replaceDirectory(_ output: String, with staging: String, checkReplaceable: (String) throws -> Void) throws {
        var info = stat()
        guard lstat(output, &info) == 0 else {
            try PartialOutputs.shared.committing { () throws(FormatError) in
                guard rename(staging, output) == 0 else {
                    throw FormatError(file: output, "cannot rename the finished directory into place: \(MappedFile.errnoText())")
                }
            }
            return
        }
        try checkReplaceable(output)
        try PartialOutputs.shared.committing { () throws(FormatError) in
            guard cckpt_exchange_paths(staging, output) != 0 else { return }
            let aside = staging + "-previous"
            guard rename(output, aside) == 0 else {
                throw FormatError(file: output, "cannot move the previous output aside: \(MappedFile.errnoText())")
            }
            guard rename(staging, output) == 0 else {
                let text = MappedFile.errnoText()
                rename(aside, output)
                throw FormatError(file: output, "cannot rename the finished directory into place: \(text)")
            }
            rename(aside, staging)
        }
        try? FileManager.default.removeItem(atPath: staging)
    }
}
