/// Phi (1, 1.5, 2; GGUF `phi2`): one shared LayerNorm for parallel attention and FFN, biases everywhere,
/// plain FFN, optional q/k LayerNorm shared by every head (docs/architectures.md, "Families").
struct Phi: Architecture {
    let families = ["phi"]
    let ggufArchitecture: String? = "phi2"

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        description.norm = .layer(eps: description.norm.eps, bias: true)
        description.block = .parallel(sharedNorm: true)
        description.feedForward = .plain
        if try config.bool("qk_layernorm") == true {
            description.qkNorm = ModelDescription.QKNorm(scope: .sharedAcrossHeads, norm: description.norm)
        }
    }

    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        description.norm = .layer(eps: gguf.layerNormEps, bias: true)
        description.block = .parallel(sharedNorm: true)
        description.activation = .geluTanh
        description.feedForward = .plain
        if gguf.has("attn_q_norm.weight") {
            description.qkNorm = ModelDescription.QKNorm(scope: .sharedAcrossHeads, norm: description.norm)
        }
    }

    func huggingFaceNames(for description: ModelDescription) -> TensorNameScheme {
        TensorNameScheme.huggingFaceLlama.with([
            .outputNorm: "model.final_layernorm.weight", .outputNormBias: "model.final_layernorm.bias",
            .o: "self_attn.dense.weight", .oBias: "self_attn.dense.bias", .gate: nil,
            .up: "mlp.fc1.weight", .upBias: "mlp.fc1.bias", .down: "mlp.fc2.weight", .downBias: "mlp.fc2.bias",
            .qNorm: "self_attn.q_layernorm.weight", .qNormBias: "self_attn.q_layernorm.bias",
            .kNorm: "self_attn.k_layernorm.weight", .kNormBias: "self_attn.k_layernorm.bias",
        ])
    }
}
