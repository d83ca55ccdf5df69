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

    /// Writes `tensors` into `directory`: `model.safetensors` when one shard suffices, otherwise
    /// `model-0000i-of-0000N.safetensors` and the index. Every file is written atomically. Returns
    /// the names of the files written.
    @discardableResult
    public static func write(
        _ tensors: [SafetensorsWriter.Tensor], metadata: [(key: String, value: String)]?, maxShardBytes: Int,
        to directory: String, overwrite: Bool = false
    ) throws -> [String] {
        let shards = plan(tensors, maxShardBytes: maxShardBytes)
        let folder = URL(fileURLWithPath: directory)
        if shards.count == 1 {
            let output = try OutputFile(path: folder.appendingPathComponent("model.safetensors").path, overwrite: overwrite)
            try SafetensorsWriter(metadata: metadata, tensors: shards[0]).write(to: output)
            try output.commit()
            return ["model.safetensors"]
        }
        var weightMap: [(tensor: String, shard: String)] = []
        var names: [String] = []
        var total = 0
        for (position, shard) in shards.enumerated() {
            let name = SafetensorsIndex.shardName(position, of: shards.count)
            let writer = SafetensorsWriter(metadata: metadata, tensors: shard)
            let output = try OutputFile(path: folder.appendingPathComponent(name).path, overwrite: overwrite)
            try writer.write(to: output)
            try output.commit()
            weightMap += shard.map { ($0.name, name) }
            names.append(name)
            total += writer.dataSize
        }
        let index = SafetensorsIndex(totalSize: total, weightMap: weightMap)
        let output = try OutputFile(path: folder.appendingPathComponent(SafetensorsIndex.fileName).path, overwrite: overwrite)
        try output.write(index.jsonBytes())
        try output.commit()
        return names + [SafetensorsIndex.fileName]
    }
}
