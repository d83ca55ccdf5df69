import CkptStorage
import Foundation

/// Writes a checkpoint as several safetensors files plus `model.safetensors.index.json`, splitting as
/// huggingface_hub does: tensors in order, a new shard when the next tensor would pass the limit, a
/// tensor larger than the limit alone in its shard.
public enum SafetensorsShards {
    /// Groups `tensors` (in order) into shards of at most `maxShardBytes` data bytes each.
    public static func plan(_ tensors: [SafetensorsWriter.Tensor], maxShardBytes: Int) -> [[SafetensorsWriter.Tensor]] {
        var shards: [[SafetensorsWriter.Tensor]] = []
        var current: [SafetensorsWriter.Tensor] = []
        var size = 0
        for tensor in tensors {
            if !current.isEmpty, size + tensor.byteCount > maxShardBytes {
                shards.append(current)
                current = []
                size = 0
            }
            current.append(tensor)
            size += tensor.byteCount
        }
        if !current.isEmpty || shards.isEmpty { shards.append(current) }
        return shards
    }

    /// The files `write` makes: `model.safetensors` when one shard suffices, otherwise
    /// `model-0000i-of-0000N.safetensors`, each with its writer, and then the index.
    public static func layout(
        _ tensors: [SafetensorsWriter.Tensor], metadata: [(key: String, value: String)]?, maxShardBytes: Int
    ) -> (files: [(name: String, writer: SafetensorsWriter)], index: SafetensorsIndex?) {
        let shards = plan(tensors, maxShardBytes: maxShardBytes)
        if shards.count == 1 { return ([("model.safetensors", SafetensorsWriter(metadata: metadata, tensors: shards[0]))], nil) }
        var files: [(name: String, writer: SafetensorsWriter)] = []
        var weightMap: [(tensor: String, shard: String)] = []
        for (position, shard) in shards.enumerated() {
            let name = SafetensorsIndex.shardName(position, of: shards.count)
            files.append((name, SafetensorsWriter(metadata: metadata, tensors: shard)))
            weightMap += shard.map { ($0.name, name) }
        }
        return (files, SafetensorsIndex(totalSize: files.reduce(0) { $0 + $1.writer.dataSize }, weightMap: weightMap))
    }

    /// Writes `tensors` into `directory` as `layout` lays them out. Every file is written atomically.
    /// Returns the names of the files written.
    @discardableResult
    public static func write(
        _ tensors: [SafetensorsWriter.Tensor], metadata: [(key: String, value: String)]?, maxShardBytes: Int,
        to directory: String, overwrite: Bool = false
    ) throws -> [String] {
        let (files, index) = layout(tensors, metadata: metadata, maxShardBytes: maxShardBytes)
        let folder = URL(fileURLWithPath: directory)
        for (name, writer) in files {
            let output = try OutputFile(path: folder.appendingPathComponent(name).path, overwrite: overwrite)
            try writer.write(to: output)
            try output.commit()
        }
        guard let index else { return files.map(\.name) }
        let output = try OutputFile(path: folder.appendingPathComponent(SafetensorsIndex.fileName).path, overwrite: overwrite)
        try output.write(index.jsonBytes())
        try output.commit()
        return files.map(\.name) + [SafetensorsIndex.fileName]
    }
}
