/// EXAONE 4: OLMo 2's norm placement (only after each sublayer) with a q/k RMSNorm shared by every head;
/// with a sliding window, layers alternate local and global (`layer_types`, else `sliding_window_pattern`:
/// a period such as 4 or a string such as "LLLG") and the global layers apply no RoPE
/// (docs/architectures.md, "Families").
struct EXAONE4: Architecture {
    let families = ["exaone4"]
    let ggufArchitecture: String? = "exaone4"
    let defaultRopeTheta = 1_000_000.0

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        Self.norms(&description)
        guard description.slidingWindow != nil else { return }
        var sliding: Set<Int>
        if let types = try config.strings("layer_types") {
            sliding = Set(types.indices.filter { types[$0] == "sliding_attention" })
        } else if let pattern = try config.string("sliding_window_pattern") {
            sliding = Set((0..<description.layerCount).filter { Array(pattern)[$0 % pattern.count] == "L" })
        } else {
            let period = try config.int("sliding_window_pattern", in: 1...10_000) ?? 4
            sliding = ModelDescription.slidingLayers(count: description.layerCount, period: period)
        }
        Self.globalNoPE(&description, sliding: sliding)
    }

    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        Self.norms(&description)
        guard let window = try gguf.metadata.int(".attention.sliding_window", in: 0...Int(Int32.max)), window > 0 else { return }
        description.slidingWindow = window
        let sliding = try gguf.slidingLayers(layerCount: description.layerCount, defaultPeriod: 4)
        Self.globalNoPE(&description, sliding: sliding)
    }

    func huggingFaceNames(for description: ModelDescription) -> TensorNameScheme { OLMo2().huggingFaceNames(for: description) }

    static func norms(_ description: inout ModelDescription) {
        description.normPlacement = .post
        description.qkNorm = ModelDescription.QKNorm(scope: .sharedAcrossHeads, norm: description.norm)
    }

    static func globalNoPE(_ description: inout ModelDescription, sliding: Set<Int>) {
        description.slidingLayers = sliding
        description.noRopeLayers = Set(0..<description.layerCount).subtracting(sliding)
    }
}
