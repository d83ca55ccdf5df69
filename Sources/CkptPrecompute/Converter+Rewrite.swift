import CkptFormats
import CkptJSON
import CkptModels

extension Converter {
    /// The conversion as a rewrite of its source (`CheckpointRewrite`): the tensors the table replaces
    /// dropped (none with `--keep-original`); the table's tensors where the embedding was (GGUF) or
    /// after the kept tensors of its file (safetensors); a tied head's own copy of the embedding at the
    /// end of that file; `ckpt.precompute.*` (GGUF), `ckpt_precompute` (safetensors metadata and
    /// config.json) and `tie_word_embeddings: false` recorded.
    static func rewrite(
        source: Checkpoint, model: Model, spec: PrecomputedTable, keepOriginal: Bool, table: [CheckpointRewrite.Tensor]
    ) -> CheckpointRewrite {
        var rewrite = CheckpointRewrite(source: source)
        let embedding = model.tensor(.embedding)!
        rewrite.dropped = keepOriginal ? [] : Set(spec.removedTensors)
        let placement: CheckpointRewrite.Placement = source.format == .gguf ? .before(embedding.name) : .atEndOfFileOf(embedding.name)
        rewrite.added = table.map { ($0, placement) }
        let headName = source.format == .gguf ? "output.weight" : model.names.name(.output)
        if model.description.tiedHead, !keepOriginal, let headName {
            let head = CheckpointRewrite.Tensor(
                name: headName, shape: embedding.shape, type: embedding.type,
                source: .mapped(source.file(of: embedding), offset: embedding.offset))
            rewrite.added.append((head, .atEndOfFileOf(embedding.name)))
        }
        rewrite.addedGGUFMetadata = spec.ggufMetadata
        rewrite.safetensorsMetadata = [(PrecomputedTable.configKey, JSONValue.object(spec.json).serialized())]
        rewrite.configChanges = [("tie_word_embeddings", false), (PrecomputedTable.configKey, .object(spec.json))]
        return rewrite
    }
}
