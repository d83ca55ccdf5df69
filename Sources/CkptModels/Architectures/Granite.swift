/// IBM Granite 3: Llama's layout with four multipliers: of the embedding (`embedding_multiplier`), of q·k
/// in place of 1/√d (`attention_multiplier`), of each sublayer's output before the residual add
/// (`residual_multiplier`), and a divisor of the logits (`logits_scaling`) (docs/architectures.md, "Families").
struct Granite: Architecture {
    let families = ["granite"]
    let ggufArchitecture: String? = "granite"

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        try Self.scales(
            &description, embedding: config.double("embedding_multiplier"), attention: config.double("attention_multiplier"),
            residual: config.double("residual_multiplier"), logitDivisor: config.double("logits_scaling"), file: config.file)
    }

    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        try Llama().refine(&description, gguf: gguf)
        description.family = families[0]
        let metadata = gguf.metadata
        try Self.scales(
            &description, embedding: metadata.double(".embedding_scale"), attention: metadata.double(".attention.scale"),
            residual: metadata.double(".residual_scale"), logitDivisor: metadata.double(".logit_scale"), file: metadata.file)
    }

    static func scales(
        _ description: inout ModelDescription, embedding: Double?, attention: Double?, residual: Double?, logitDivisor: Double?,
        file: String
    ) throws(ModelError) {
        if let embedding { description.embeddingScale = Float(embedding) }
        if let attention, attention != 0 { description.attentionScale = Float(attention) }
        if let residual { description.residualScale = Float(residual) }
        if let logitDivisor {
            guard logitDivisor != 0 else { throw ModelError(file: file, "logits_scaling must not be 0") }
            description.logitScale = Float(1 / logitDivisor)
        }
    }
}
