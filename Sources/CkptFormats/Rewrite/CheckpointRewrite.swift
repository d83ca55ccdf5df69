import CkptJSON
import CkptStorage
import Foundation

/// A checkpoint rewritten into its own container: every source tensor byte for byte, except for the
/// edits — tensors dropped, tensors added (before a source tensor, or at the end of a source tensor's
/// file), metadata keys removed and added, config.json keys set. The layout is computed before a byte
/// is written, so a caller can measure it (`plannedBytes`) or write it (`CheckpointRewrite+Write`).
/// A split GGUF stays split and a sharded Hugging Face checkpoint keeps its shards.
public struct CheckpointRewrite {
    /// A tensor the rewrite adds: name, row-major shape, type in the source's container, bytes' source.
    public struct Tensor {
        public var name: String
        public var shape: [Int]
        public var type: TensorType
        public var source: TensorSource

        public init(name: String, shape: [Int], type: TensorType, source: TensorSource) {
            self.name = name
            self.shape = shape
            self.type = type
            self.source = source
        }
    }

    /// Where an added tensor goes.
    public enum Placement {
        /// Just before the named source tensor, in its file.
        case before(String)
        /// After every other tensor of the named source tensor's file.
        case atEndOfFileOf(String)
    }

    public let source: Checkpoint
    /// Source tensors left out.
    public var dropped: Set<String> = []
    /// Tensors added, in order.
    public var added: [(tensor: Tensor, placement: Placement)] = []
    /// GGUF: keys whose name starts with one of these are removed from every file (`split.*` is
    /// always rewritten: removed, then written again as gguf-split writes it when there are several files).
    public var removedMetadataPrefixes: [String] = []
    /// GGUF: keys appended to the first file's metadata.
    public var addedGGUFMetadata: [GGUFKeyValue] = []
    /// safetensors: `__metadata__` entries set in every rewritten file (in place when the key exists).
    public var safetensorsMetadata: [(key: String, value: String)] = []
    /// Hugging Face: config.json keys set (in place when the key exists).
    public var configChanges: [(key: String, value: JSONValue)] = []
    /// Hugging Face: further files written beside config.json (name in the directory, contents).
    public var addedFiles: [(name: String, bytes: [UInt8])] = []

    public init(source: Checkpoint) {
        self.source = source
    }

    /// The file each source tensor is in.
    private var fileOfTensor: [String: Int] {
        Dictionary(source.tensors.map { ($0.name, $0.fileIndex) }, uniquingKeysWith: { first, _ in first })
    }

    /// The file `placement` puts a tensor in (the first when its anchor is unknown).
    private func file(of placement: Placement, in files: [String: Int]) -> Int {
        switch placement {
        case .before(let name), .atEndOfFileOf(let name): files[name] ?? 0
        }
    }

    // MARK: - GGUF

    /// Per output file: its metadata (kept in order, less the removed keys, plus `addedGGUFMetadata`
    /// in the first and rewritten `split.*` keys when there are several) and its tensors.
    public func ggufFiles() throws(FormatError) -> [(metadata: [GGUFKeyValue], tensors: [GGUFWriter.Tensor])] {
        func writerTensor(_ tensor: Tensor) throws(FormatError) -> GGUFWriter.Tensor {
            guard case .ggml(let type) = tensor.type else {
                throw FormatError(file: source.path, "\(tensor.type.name) is not a GGUF tensor type", subject: tensor.name)
            }
            return try GGUFWriter.Tensor(name: tensor.name, dimensions: tensor.shape.reversed(), type: type, source: tensor.source)
        }
        let files = fileOfTensor
        let infos = Dictionary(
            source.ggufFiles.flatMap { file in file.tensors.map { ($0.name, $0) } }, uniquingKeysWith: { first, _ in first })
        var shards: [[GGUFWriter.Tensor]] = Array(repeating: [], count: source.files.count)
        for tensor in source.tensors {
            for (addition, placement) in added {
                if case .before(let anchor) = placement, anchor == tensor.name {
                    shards[tensor.fileIndex].append(try writerTensor(addition))
                }
            }
            guard !dropped.contains(tensor.name), let info = infos[tensor.name] else { continue }
            shards[tensor.fileIndex].append(
                try GGUFWriter.Tensor(
                    name: info.name, dimensions: info.dimensions, type: info.type,
                    source: .mapped(source.files[tensor.fileIndex], offset: tensor.offset)))
        }
        for (tensor, placement) in added {
            if case .atEndOfFileOf = placement { shards[file(of: placement, in: files)].append(try writerTensor(tensor)) }
        }
        let tensorCount = shards.reduce(0) { $0 + $1.count }
        let removed = ["split."] + removedMetadataPrefixes
        return shards.enumerated().map { index, tensors in
            var metadata = source.ggufFiles[index].metadata.filter { key in !removed.contains { key.key.hasPrefix($0) } }
            if index == 0 { metadata += addedGGUFMetadata }
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

    /// Every kept source tensor in order, the added ones before their anchor or, placed at the end of
    /// their anchor's file, after all of them (a sharded source sorts them into their shards).
    public func safetensorsTensors() throws(FormatError) -> [SafetensorsWriter.Tensor] {
        func writerTensor(_ tensor: Tensor) throws(FormatError) -> SafetensorsWriter.Tensor {
            guard case .safetensors(let dtype) = tensor.type else {
                throw FormatError(file: source.path, "\(tensor.type.name) is not a safetensors dtype", subject: tensor.name)
            }
            return try SafetensorsWriter.Tensor(name: tensor.name, dtype: dtype, shape: tensor.shape, source: tensor.source)
        }
        var tensors: [SafetensorsWriter.Tensor] = []
        for tensor in source.tensors {
            for (addition, placement) in added {
                if case .before(let anchor) = placement, anchor == tensor.name { tensors.append(try writerTensor(addition)) }
            }
            guard !dropped.contains(tensor.name), case .safetensors(let type) = tensor.type else { continue }
            tensors.append(
                try SafetensorsWriter.Tensor(
                    name: tensor.name, dtype: type, shape: tensor.shape, source: .mapped(source.file(of: tensor), offset: tensor.offset)))
        }
        for (addition, placement) in added {
            if case .atEndOfFileOf = placement { tensors.append(try writerTensor(addition)) }
        }
        return tensors
    }

    /// The source's `__metadata__` with `safetensorsMetadata` set.
    public var rewrittenSafetensorsMetadata: [(key: String, value: String)] {
        var metadata = source.safetensorsFiles.first?.metadata ?? [("format", "pt")]
        for (key, value) in safetensorsMetadata {
            if let index = metadata.firstIndex(where: { $0.key == key }) {
                metadata[index].value = value
            } else {
                metadata.append((key, value))
            }
        }
        return metadata
    }

    /// The source's config.json (an empty object without one) with `configChanges` set.
    public var rewrittenConfig: JSONObject {
        var config = source.config ?? JSONObject()
        for (key, value) in configChanges { config[key] = value }
        return config
    }

    /// A shard limit no larger than the source's largest shard (no limit for a single file).
    public var shardLimit: Int {
        let largest = source.safetensorsFiles.map { $0.tensors.reduce(0) { $0 + $1.byteCount } }.max() ?? 0
        return source.safetensorsIndex == nil ? Int.max : max(largest, 1)
    }

    /// One output shard of a sharded source: its source file, name, tensors, and whether it is
    /// rewritten (else cloned whole: no tensor of it is dropped or added, and its `__metadata__`
    /// already holds what `safetensorsMetadata` sets, or none of those keys).
    public struct KeptShard {
        public var file: MappedFile
        public var name: String
        public var tensors: [SafetensorsWriter.Tensor]
        public var rewritten: Bool
    }

    /// For a sharded source (an index and several files), its shards kept: each tensor in its source
    /// shard, added ones in their anchor's. Nil for a single-file source.
    public func keptShards(_ tensors: [SafetensorsWriter.Tensor]) -> [KeptShard]? {
        guard source.safetensorsIndex != nil, source.files.count > 1 else { return nil }
        let files = fileOfTensor
        var shardOf = files
        var changed: Set<Int> = []
        for name in dropped { if let shard = files[name] { changed.insert(shard) } }
        for (tensor, placement) in added {
            let shard = file(of: placement, in: files)
            shardOf[tensor.name] = shard
            changed.insert(shard)
        }
        for (position, file) in source.safetensorsFiles.enumerated() {
            let metadata = file.metadata ?? []
            let stale = safetensorsMetadata.contains { edit in metadata.contains { $0.key == edit.key && $0.value != edit.value } }
            if stale { changed.insert(position) }
        }
        return source.files.enumerated().map { position, file in
            KeptShard(
                file: file, name: URL(fileURLWithPath: file.path).lastPathComponent,
                tensors: tensors.filter { shardOf[$0.name] == position }, rewritten: changed.contains(position))
        }
    }

    /// The index of `shards`: the source index's metadata kept, `total_size` recomputed.
    public func index(of shards: [KeptShard]) -> SafetensorsIndex {
        var metadata = source.safetensorsIndex?.metadata ?? JSONObject()
        metadata.removeValue(forKey: "total_size")
        return SafetensorsIndex(
            totalSize: shards.reduce(0) { $0 + $1.tensors.reduce(0) { $0 + $1.byteCount } },
            weightMap: shards.flatMap { shard in shard.tensors.map { ($0.name, shard.name) } }, metadata: metadata)
    }

    // MARK: - Size

    /// The bytes the checkpoint files of the rewrite take (headers and padding laid out by the
    /// writers; side files and config.json not counted), without writing anything.
    public func plannedBytes() throws -> Int {
        switch source.format {
        case .gguf:
            var total = 0
            for (metadata, tensors) in try ggufFiles() {
                let writer = GGUFWriter(metadata: metadata, tensors: tensors)
                total += try writer.headerBytes().count + tensors.reduce(0) { $0 + alignUp($1.byteCount, to: writer.alignment)! }
            }
            return total
        case .safetensors:
            let tensors = try safetensorsTensors()
            let metadata = rewrittenSafetensorsMetadata
            func fileBytes(_ writer: SafetensorsWriter) -> Int { writer.headerBytes().count + writer.dataSize }
            if let shards = keptShards(tensors) {
                let files = shards.reduce(0) { total, shard in
                    total + (shard.rewritten ? fileBytes(SafetensorsWriter(metadata: metadata, tensors: shard.tensors)) : shard.file.size)
                }
                return files + index(of: shards).jsonBytes().count
            }
            let (files, index) = SafetensorsShards.layout(tensors, metadata: metadata, maxShardBytes: shardLimit)
            return files.reduce(0) { $0 + fileBytes($1.writer) } + (index?.jsonBytes().count ?? 0)
        }
    }
}
