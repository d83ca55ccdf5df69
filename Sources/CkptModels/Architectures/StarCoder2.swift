/// StarCoder2: LayerNorm with bias, biased linears, plain FFN `c_proj(gelu_tanh(c_fc x))`
/// (docs/architectures.md, "Families").
struct StarCoder2: Architecture {
    let families = ["starcoder2"]
    let ggufArchitecture: String? = "starcoder2"

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        description.norm = .layer(eps: description.norm.eps, bias: true)
        description.feedForward = .plain
        if !config.has("hidden_act") { description.activation = .geluTanh }
    }

    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        description.norm = .layer(eps: gguf.layerNormEps, bias: true)
        description.activation = .geluTanh
        description.feedForward = .plain
    }

    func huggingFaceNames(for description: ModelDescription) -> TensorNameScheme {
        TensorNameScheme.huggingFaceLlama.with([
            .gate: nil, .up: "mlp.c_fc.weight", .upBias: "mlp.c_fc.bias", .down: "mlp.c_proj.weight",
            .downBias: "mlp.c_proj.bias",
        ])
    }
}
