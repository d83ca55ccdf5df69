/// Phi-3: fused `[Q|K|V]` and `[gate|up]` projections (docs/architectures.md, "Fused projections");
/// llama.cpp keeps the fused gate/up as `ffn_up`.
struct Phi3: Architecture {
    let families = ["phi3"]
    let ggufArchitecture: String? = "phi3"

    func refine(_ description: inout ModelDescription, huggingFace config: ConfigReader) throws(ModelError) {
        description.qkvLayout = .fused
        description.feedForward = .gated(fusedGateUp: true)
    }

    /// The fused QKV is told by `attn_qkv`, as for every GGUF architecture.
    func refine(_ description: inout ModelDescription, gguf: GGUFContents) throws(ModelError) {
        description.feedForward = .gated(fusedGateUp: true)
    }

    func huggingFaceNames(for description: ModelDescription) -> TensorNameScheme {
        TensorNameScheme.huggingFaceLlama.with([
            .q: nil, .k: nil, .v: nil, .qkv: "self_attn.qkv_proj.weight", .gate: nil, .up: nil,
            .gateUp: "mlp.gate_up_proj.weight",
        ])
    }

    func ggufNames(for description: ModelDescription) -> TensorNameScheme {
        TensorNameScheme.gguf.with([.gateUp: "ffn_up.weight", .up: nil, .gate: nil])
    }
}
