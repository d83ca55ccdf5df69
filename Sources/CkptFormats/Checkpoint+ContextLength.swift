import CkptJSON

extension Checkpoint {
    /// The longest sequence the model was made for, when the file says: GGUF's
    /// `<architecture>.context_length`, config.json's `max_position_embeddings` (or its `text_config`'s,
    /// for a multimodal wrapper) unless dynamic NTK scaling, which exists to run past it, is on.
    /// `logits` and `validate` refuse longer token sequences.
    public var contextLength: Int? {
        let value: Int?
        switch format {
        case .gguf:
            value = architecture.flatMap { ggufFiles.first?["\($0).context_length"]?.integer }
        case .safetensors:
            let text = config?["text_config"]?.object ?? config
            let scaling = text?["rope_scaling"]?.object ?? text?["rope_parameters"]?.object
            let type = scaling?["rope_type"]?.string ?? scaling?["type"]?.string
            guard type != "dynamic" else { return nil }
            value = text?["max_position_embeddings"]?.number?.int64.flatMap { Int(exactly: $0) }
        }
        return value.flatMap { $0 > 0 ? $0 : nil }
    }
}
