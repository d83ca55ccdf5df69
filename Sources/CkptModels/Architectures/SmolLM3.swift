/// SmolLM3: Llama's layout with NoPE layers, which apply no RoPE: `no_rope_layers` holds a 1 per layer
/// that uses RoPE and a 0 per NoPE layer, else every `no_rope_layer_interval`-th layer (4) is NoPE, the
/// only rule llama.cpp knows. Layer 0 may be either; the table stores q and k before RoPE in both cases
/// (docs/architectures.md, "Families").
struct SmolLM3: Architecture {
    let families = ["smollm3"]
    let ggufArchitecture: String? = "smollm3"
    let tiesHeadByDefault = true

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        if let flags = try config.integers("no_rope_layers") {
            guard flags.count >= description.layerCount else {
                throw ModelError(
                    file: config.file, "no_rope_layers lists \(flags.count) layers, num_hidden_layers is \(description.layerCount)")
            }
            description.noRopeLayers = Set((0..<description.layerCount).filter { flags[$0] == 0 })
        } else {
            let interval = try config.int("no_rope_layer_interval", in: 1...10_000) ?? 4
            description.noRopeLayers = Self.everyNth(interval, of: description.layerCount)
        }
    }

    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        try Llama().refine(&description, gguf: gguf)
        description.family = families[0]
        description.noRopeLayers = Self.everyNth(4, of: description.layerCount)
    }

    /// Layers `n − 1`, `2n − 1`, … of `count`.
    static func everyNth(_ n: Int, of count: Int) -> Set<Int> { Set((0..<count).filter { ($0 + 1) % n == 0 }) }
}
