import CkptFormats
import CkptModels
import Foundation

/// What a conversion writes, laid out before a byte is written: each output file's tensors in order,
/// where their bytes come from, and its metadata. `Converter` writes this layout and
/// `ConversionSizer` measures it, so the sizes `plan` and `convert --dry-run` print are the ones written.
struct ConversionLayout {
    /// One tensor holding (part of) the table: name, row-major shape, storage type, bytes' source.
    typealias TableTensor = (name: String, shape: [Int], type: TensorType, source: TensorSource)

    let source: Checkpoint
    let model: Model
    let spec: PrecomputedTable
    let keepOriginal: Bool

    /// The tensors left out of the output (none with `--keep-original`).
    var removed: Set<String> { keepOriginal ? [] : Set(spec.removedTensors) }
    var description: ModelDescription { model.description }
    var embedding: TensorInfo { model.tensor(.embedding)! }
    /// Whether the output carries the tied head as a tensor of its own (a copy of the embedding).
    var copiesTiedHead: Bool { description.tiedHead && !keepOriginal }

    // MARK: - GGUF

    /// Per output file: the metadata kept in order (plus `ckpt.precompute.*` in the first, and
    /// `split.*` rewritten as gguf-split writes them when there are several) and the tensors in source
    /// order, the table in the embedding's place and a tied head's copy at the end of its file.
    func ggufFiles(table: [TableTensor]) throws -> [(metadata: [GGUFKeyValue], tensors: [GGUFWriter.Tensor])] {
        let infos = Dictionary(
            source.ggufFiles.enumerated().flatMap { index, file in file.tensors.map { ($0.name, (index, $0)) } },
            uniquingKeysWith: { first, _ in first })
        let embeddingName = embedding.name
        var shards: [[GGUFWriter.Tensor]] = Array(repeating: [], count: source.files.count)
        for tensor in source.tensors {
            let (fileIndex, info) = infos[tensor.name]!
            if tensor.name == embeddingName {
                for entry in table {
                    guard case .ggml(let type) = entry.type else { preconditionFailure("GGUF tables are GGML types") }
                    shards[fileIndex].append(
                        try GGUFWriter.Tensor(name: entry.name, dimensions: entry.shape.reversed(), type: type, source: entry.source))
                }
            }
            if removed.contains(tensor.name) { continue }
            shards[fileIndex].append(
                try GGUFWriter.Tensor(
                    name: info.name, dimensions: info.dimensions, type: info.type,
                    source: .mapped(source.files[fileIndex], offset: tensor.offset)))
        }
        if copiesTiedHead, let (fileIndex, info) = infos[embeddingName] {
            shards[fileIndex].append(
                try GGUFWriter.Tensor(
                    name: "output.weight", dimensions: info.dimensions, type: info.type,
                    source: .mapped(source.files[fileIndex], offset: embedding.offset)))
        }
        let tensorCount = shards.reduce(0) { $0 + $1.count }
        return shards.enumerated().map { index, tensors in
            var metadata = source.ggufFiles[index].metadata.filter { !$0.key.hasPrefix("split.") }
            if index == 0 { metadata += spec.ggufMetadata }
            if shards.count > 1 {
                metadata += [
                    GGUFKeyValue("split.no", .uint16(UInt16(index))), GGUFKeyValue("split.count", .uint16(UInt16(shards.count))),
                    GGUFKeyValue("split.tensors.count", .int32(Int32(tensorCount))),
                ]
            }
            return (metadata, tensors)
        }
    }

    // MARK: - safetensors

    /// Every kept tensor byte for byte, then the table, then a tied head's own `lm_head.weight`.
    func safetensorsTensors(table: [TableTensor]) throws -> [SafetensorsWriter.Tensor] {
        var tensors: [SafetensorsWriter.Tensor] = []
        for tensor in source.tensors where !removed.contains(tensor.name) {
            guard case .safetensors(let type) = tensor.type else { continue }
            tensors.append(
                try SafetensorsWriter.Tensor(
                    name: tensor.name, dtype: type, shape: tensor.shape, source: .mapped(source.file(of: tensor), offset: tensor.offset)))
        }
        for entry in table {
            guard case .safetensors(let dtype) = entry.type else { preconditionFailure("safetensors tables are safetensors dtypes") }
            tensors.append(try SafetensorsWriter.Tensor(name: entry.name, dtype: dtype, shape: entry.shape, source: entry.source))
        }
        if copiesTiedHead, case .safetensors(let type) = embedding.type, let head = model.names.name(.output) {
            tensors.append(
                try SafetensorsWriter.Tensor(
                    name: head, dtype: type, shape: embedding.shape, source: .mapped(source.file(of: embedding), offset: embedding.offset)))
        }
        return tensors
    }

    /// The source's `__metadata__` plus `ckpt_precompute`.
    var safetensorsMetadata: [(key: String, value: String)] {
        var metadata = source.safetensorsFiles.first?.metadata ?? [("format", "pt")]
        metadata.append((PrecomputedTable.configKey, JSONValue.object(spec.json).serialized()))
        return metadata
    }

    /// A shard limit no larger than the source's largest shard (no limit for a single file).
    var shardLimit: Int {
        let largest = source.safetensorsFiles.map { $0.tensors.reduce(0) { $0 + $1.byteCount } }.max() ?? 0
        return source.safetensorsIndex == nil ? Int.max : max(largest, 1)
    }

    /// One output shard of a sharded source: its source file, name, tensors, and whether it is
    /// rewritten (else cloned whole: none of its tensors changes).
    struct KeptShard {
        var file: MappedFile
        var name: String
        var tensors: [SafetensorsWriter.Tensor]
        var rewritten: Bool
    }

    /// For a sharded source (an index and several files), its shards kept: each tensor in its source
    /// shard, the table and a head copy in the embedding's. Nil for a single-file source.
    func keptShards(_ tensors: [SafetensorsWriter.Tensor]) -> [KeptShard]? {
        guard source.safetensorsIndex != nil, source.files.count > 1 else { return nil }
        let embeddingFile = embedding.fileIndex
        var shardOf: [String: Int] = [:]
        for tensor in source.tensors { shardOf[tensor.name] = tensor.fileIndex }
        var changed: Set<Int> = [embeddingFile]
        for name in removed { if let shard = shardOf[name] { changed.insert(shard) } }
        return source.files.enumerated().map { position, file in
            KeptShard(
                file: file, name: URL(fileURLWithPath: file.path).lastPathComponent,
                tensors: tensors.filter { (shardOf[$0.name] ?? embeddingFile) == position }, rewritten: changed.contains(position))
        }
    }

    /// The index of `shards`: the source index's metadata kept, `total_size` recomputed.
    func index(of shards: [KeptShard]) -> SafetensorsIndex {
        var metadata = source.safetensorsIndex?.metadata ?? JSONObject()
        metadata.removeValue(forKey: "total_size")
        return SafetensorsIndex(
            totalSize: shards.reduce(0) { $0 + $1.tensors.reduce(0) { $0 + $1.byteCount } },
            weightMap: shards.flatMap { shard in shard.tensors.map { ($0.name, shard.name) } }, metadata: metadata)
    }
}
