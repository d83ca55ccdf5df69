import CCkptSystem
import CkptFormats
import CkptModels
import Foundation

extension Converter {
    /// Hugging Face output: a directory with the table as `first_layer_table.weight`, every kept tensor
    /// byte for byte, `lm_head.weight` for a tied head, shards no larger than the source's, a rewritten
    /// index, config.json with `tie_word_embeddings: false` and `ckpt_precompute`, and the tokenizer
    /// files copied. Written into a temporary directory beside the output and renamed at the end.
    func writeSafetensors(_ layout: ConversionLayout, table: [ConversionLayout.TableTensor]) throws -> Int {
        let tensors = try layout.safetensorsTensors(table: table)
        let metadata = layout.safetensorsMetadata
        let destination = URL(fileURLWithPath: output)
        let staging = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).ckpt-partial-\(getpid())")
        let manager = FileManager.default
        try? manager.removeItem(at: staging)
        try manager.createDirectory(at: staging, withIntermediateDirectories: true)
        PartialOutputs.shared.registerDirectory(staging.path)
        defer {
            try? manager.removeItem(at: staging)
            PartialOutputs.shared.unregisterDirectory(staging.path)
        }
        let names: [String]
        if let shards = layout.keptShards(tensors) {
            names = try writeShards(shards, metadata: metadata, index: layout.index(of: shards), to: staging)
        } else {
            names = try SafetensorsShards.write(tensors, metadata: metadata, maxShardBytes: layout.shardLimit, to: staging.path)
        }

        var config = source.config ?? JSONObject()
        config["tie_word_embeddings"] = false
        config[PrecomputedTable.configKey] = .object(layout.spec.json)
        let configFile = try OutputFile(path: staging.appendingPathComponent("config.json").path)
        try configFile.write(JSONValue.object(config).serializedBytes(options: .prettyPrinted) + [0x0A])
        try configFile.commit()
        for file in try sideFiles() {
            try manager.copyItem(at: file, to: staging.appendingPathComponent(file.lastPathComponent))
        }
        let written = try names.reduce(0) { total, name in
            total + ((try manager.attributesOfItem(atPath: staging.appendingPathComponent(name).path)[.size] as? Int) ?? 0)
        }
        try replaceDirectory(output, with: staging.path)
        return written
    }

    /// Keeps the source's sharding: a shard none of whose tensors change is cloned whole (`FileCloning`:
    /// reflink, else a direct or in-kernel copy; a hard link with `--link`); the others are rewritten, the
    /// table going where the embedding was. Returns the files written.
    func writeShards(
        _ shards: [ConversionLayout.KeptShard], metadata: [(key: String, value: String)], index: SafetensorsIndex, to staging: URL
    ) throws -> [String] {
        // Unchanged shards are cloned on their own thread while the changed ones (and the table) are
        // written, keeping the disk busy with both while the cores compute the table.
        let clones = ShardClones(
            shards.filter { !$0.rewritten }.map { ($0.file, staging.appendingPathComponent($0.name).path) },
            hardLink: options.hardLinkUnchangedShards)
        defer { clones.finish() }
        for shard in shards where shard.rewritten {
            let output = try OutputFile(path: staging.appendingPathComponent(shard.name).path)
            try SafetensorsWriter(metadata: metadata, tensors: shard.tensors).write(to: output)
            try output.commit()
        }
        try clones.check()
        let output = try OutputFile(path: staging.appendingPathComponent(SafetensorsIndex.fileName).path)
        try output.write(index.jsonBytes())
        try output.commit()
        return shards.map(\.name) + [SafetensorsIndex.fileName]
    }

    /// Tokenizer and generation files beside the source, copied so the output directory is complete.
    func sideFiles() throws -> [URL] {
        let directory = source.configPath.map { URL(fileURLWithPath: $0).deletingLastPathComponent() }
            ?? URL(fileURLWithPath: input).deletingLastPathComponent()
        let contents = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []
        return contents.filter { OutputTarget.isSideFile($0.lastPathComponent) }
    }

    /// Puts the finished directory `staging` at `output`. What is there (checked again: empty, or a
    /// previous ckpt output with `--force`) stays whole until the swap: the two are exchanged
    /// atomically where the file system can, else the old one is renamed aside first; then the old one,
    /// now under the staging name (removed on interrupt), is deleted.
    func replaceDirectory(_ output: String, with staging: String) throws {
        var info = stat()
        guard lstat(output, &info) == 0 else {
            guard rename(staging, output) == 0 else {
                throw FormatError(file: output, "cannot rename the finished directory into place: \(MappedFile.errnoText())")
            }
            return
        }
        try OutputTarget.checkReplaceableDirectory(output, overwrite: options.overwrite)
        if cckpt_exchange_paths(staging, output) != 0 {
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

/// Whole-file clones of unchanged shards, made one after the other on a background thread.
private final class ShardClones: @unchecked Sendable {
    private let done = DispatchGroup()
    private var error: Error?

    init(_ files: [(MappedFile, String)], hardLink: Bool) {
        done.enter()
        let thread = Thread { [self] in
            do {
                for (file, destination) in files { _ = try FileCloning.copy(file, to: destination, hardLink: hardLink) }
            } catch {
                self.error = error
            }
            done.leave()
        }
        thread.start()
    }

    /// Waits for the clones to finish (at once when they have).
    func finish() { done.wait() }

    /// Waits for the clones and rethrows their first error.
    func check() throws {
        finish()
        if let error { throw error }
    }
}
