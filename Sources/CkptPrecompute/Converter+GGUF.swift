import CkptFormats
import CkptModels
import Foundation

extension Converter {
    /// GGUF output: metadata kept in order plus `ckpt.precompute.*`; tensors in source order with the
    /// embedding's place taken by the table; a tied head gets its own `output.weight`. A split source
    /// stays split: each shard keeps its tensors (the table and the head copy go where the embedding
    /// was) and gets its `split.*` keys rewritten; all shards are renamed into place at the end.
    func writeGGUF(
        table: FirstLayerTable, contents: TableContents, tableType: TensorType, spec: PrecomputedTable, removed: Set<String>
    ) throws -> Int {
        let infos = Dictionary(
            source.ggufFiles.enumerated().flatMap { index, file in file.tensors.map { ($0.name, (index, $0)) } },
            uniquingKeysWith: { first, _ in first })
        let embeddingName = model.tensor(.embedding)!.name
        let embeddingShard = infos[embeddingName]!.0
        var shards: [[GGUFWriter.Tensor]] = Array(repeating: [], count: source.files.count)
        for tensor in source.tensors {
            let (fileIndex, info) = infos[tensor.name]!
            if tensor.name == embeddingName {
                for entry in contents.tensors(tableType: tableType, rows: description.vocabSize, width: table.width) {
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
        if description.tiedHead, !options.keepOriginal, let embedding = infos[embeddingName] {
            shards[embeddingShard].append(
                try GGUFWriter.Tensor(
                    name: "output.weight", dimensions: embedding.1.dimensions, type: embedding.1.type,
                    source: .mapped(source.files[embedding.0], offset: source.tensor(named: embeddingName)!.offset)))
        }
        let paths = outputPaths
        let tensorCount = shards.reduce(0) { $0 + $1.count }
        var files: [OutputFile] = []
        for (index, path) in paths.enumerated() {
            var metadata = source.ggufFiles[index].metadata.filter { !$0.key.hasPrefix("split.") }
            if index == 0 { metadata += spec.ggufMetadata }
            if paths.count > 1 {
                // The types llama.cpp's gguf-split writes.
                metadata += [
                    GGUFKeyValue("split.no", .uint16(UInt16(index))), GGUFKeyValue("split.count", .uint16(UInt16(paths.count))),
                    GGUFKeyValue("split.tensors.count", .int32(Int32(tensorCount))),
                ]
            }
            let file = try OutputFile(path: path, overwrite: options.overwrite)
            try GGUFWriter(metadata: metadata, tensors: shards[index]).write(to: file)
            files.append(file)
        }
        try OutputFile.commitAll(files)
        return files.reduce(0) { $0 + $1.position }
    }
}
