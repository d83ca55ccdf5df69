import CkptFormats
import CkptModels

extension Converter {
    /// GGUF output: metadata kept in order plus `ckpt.precompute.*`; tensors in source order with the
    /// embedding's place taken by the table; a tied head gets its own `output.weight`.
    func writeGGUF(
        table: FirstLayerTable, contents: TableContents, tableType: TensorType, spec: PrecomputedTable, removed: Set<String>
    ) throws -> Int {
        guard case .ggml(let ggmlType) = tableType else { preconditionFailure("GGUF tables are GGML types") }
        // A split source becomes one file: its split.* keys no longer apply.
        var metadata = source.ggufMetadata.filter { !$0.key.hasPrefix("split.") }
        metadata += spec.ggufMetadata
        let infos = Dictionary(
            source.ggufFiles.enumerated().flatMap { index, file in file.tensors.map { ($0.name, (index, $0)) } },
            uniquingKeysWith: { first, _ in first })
        let embeddingName = model.tensor(.embedding)!.name
        var tensors: [GGUFWriter.Tensor] = []
        for tensor in source.tensors {
            let (fileIndex, info) = infos[tensor.name]!
            if tensor.name == embeddingName {
                switch contents {
                case .plain(let producer):
                    tensors.append(
                        try GGUFWriter.Tensor(
                            name: PrecomputedTable.tensorName, dimensions: [table.width, description.vocabSize], type: ggmlType,
                            source: producer))
                case .compressed(_, let frames, let offsets):
                    tensors.append(
                        try GGUFWriter.Tensor(
                            name: PrecomputedTable.frameOffsetsTensorName, dimensions: [offsets.count], type: .i64,
                            source: .producer { try $0.write(TableContents.offsetBytes(offsets)) }))
                    tensors.append(
                        try GGUFWriter.Tensor(
                            name: PrecomputedTable.framesTensorName, dimensions: [frames.size], type: .i8,
                            source: .mapped(frames, offset: 0)))
                }
            }
            if removed.contains(tensor.name) { continue }
            tensors.append(
                try GGUFWriter.Tensor(
                    name: info.name, dimensions: info.dimensions, type: info.type,
                    source: .mapped(source.files[fileIndex], offset: tensor.offset)))
        }
        if description.tiedHead, !options.keepOriginal, let embedding = infos[embeddingName] {
            tensors.append(
                try GGUFWriter.Tensor(
                    name: "output.weight", dimensions: embedding.1.dimensions, type: embedding.1.type,
                    source: .mapped(source.files[embedding.0], offset: source.tensor(named: embeddingName)!.offset)))
        }
        let file = try OutputFile(path: output, overwrite: options.overwrite)
        try GGUFWriter(metadata: metadata, tensors: tensors).write(to: file)
        try file.commit()
        return file.position
    }
}
