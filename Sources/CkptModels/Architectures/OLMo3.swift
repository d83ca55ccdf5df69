/// OLMo 3: OLMo 2's norms with sliding-window layers (`layer_types`; by default every layer but each fourth)
/// whose RoPE is never scaled. llama.cpp writes it as an `olmo2` GGUF with a sliding window, which
/// `OLMo2` reads as this family (docs/architectures.md, "Families").
struct OLMo3: Architecture {
    let families = ["olmo3"]
    let ggufArchitecture: String? = nil
    let defaultRopeTheta = 500_000.0

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        OLMo2.postNorms(&description)
        if description.slidingWindow == nil { description.slidingWindow = 4096 }
        Self.slide(&description, layers: ModelDescription.slidingLayers(count: description.layerCount, period: 4))
    }

    /// An `olmo2` GGUF with `attention.sliding_window`: its layers flagged by `attention.sliding_window_pattern`.
    func refine(_ description: inout ModelDescription, gguf: GGUFContents, window: Int) throws(ModelError) {
        description.family = families[0]
        description.slidingWindow = window
        let sliding = try gguf.slidingLayers(layerCount: description.layerCount, defaultPeriod: 4)
        Self.slide(&description, layers: sliding)
        description.slidingRope?.theta = try gguf.metadata.positive(".rope.freq_base_swa") ?? description.rope.theta
    }

    func huggingFaceNames(for description: ModelDescription) -> TensorNameScheme { OLMo2().huggingFaceNames(for: description) }

    /// Marks `layers` as sliding (config.json's `layer_types` overrides them later) with an unscaled RoPE
    /// unless the config gave them their own.
    static func slide(_ description: inout ModelDescription, layers: Set<Int>) {
        description.slidingLayers = layers
        if description.slidingRope == nil {
            var unscaled = description.rope
            unscaled.scaling = .none
            description.slidingRope = unscaled
        }
    }
}
