import CkptFormats
import CkptJSON
import CkptModels
import Testing

/// What the MoE families' config.json keys and GGUF metadata make of the description: which layers are
/// sparse, routing, widths, names, and the attention settings the fixtures only show through logits.
@Suite struct MixtureOfExpertsDescriptionTests {
    func describe(_ json: String) throws -> ModelDescription {
        let object = try #require(try JSONParser().parse(Array(json.utf8)).object, "test config is not a JSON object")
        return try ModelDescription.huggingFace(ConfigReader(config: object, file: "config.json"))
    }

    func describe(gguf architecture: String, _ entries: [GGUFKeyValue]) throws -> ModelDescription {
        let base = [
            GGUFKeyValue("\(architecture).embedding_length", .uint32(32)), GGUFKeyValue("\(architecture).block_count", .uint32(8)),
            GGUFKeyValue("\(architecture).attention.head_count", .uint32(4)), GGUFKeyValue("\(architecture).expert_count", .uint32(4)),
            GGUFKeyValue("\(architecture).expert_used_count", .uint32(2)),
        ]
        return try ModelDescription.gguf(
            ConfigReader(gguf: base + entries, architecture: architecture, file: "m.gguf"), architecture: architecture, embeddingRows: 10)
    }

    let common = #""hidden_size":32,"num_hidden_layers":8,"num_attention_heads":4,"vocab_size":100,"intermediate_size":48"#

    @Test func qwen3MoESparseLayersFollowStepAndDenseList() throws {
        let m = try describe(
            #"{"model_type":"qwen3_moe",\#(common),"num_experts":4,"num_experts_per_tok":2,"moe_intermediate_size":24,"#
                + #""decoder_sparse_step":2,"mlp_only_layers":[3],"norm_topk_prob":true}"#)
        let experts = try #require(m.experts)
        #expect(experts.layers == [1, 5, 7])
        #expect(experts.feedForwardSize == 24 && m.feedForwardSize == 48)
        #expect(experts.routing == .softmax(renormalize: true))
        #expect(m.qkNorm?.scope == .sharedAcrossHeads)
        #expect(m.feedForwardWeights(layer: 0) == 3 * 32 * 48)
        #expect(m.feedForwardWeights(layer: 1) == 3 * 32 * 24 * 4)
        let unnormalized = try describe(
            #"{"model_type":"qwen3_moe",\#(common),"num_experts":4,"num_experts_per_tok":2,"moe_intermediate_size":24}"#)
        #expect(unnormalized.experts?.routing == .softmax(renormalize: false))
        #expect(unnormalized.experts?.layers == Set(0..<8))
    }

    /// llama.cpp always renormalizes qwen3moe's top-k weights; without tensors every layer is sparse.
    @Test func qwen3MoEFromGGUFMetadata() throws {
        let m = try describe(gguf: "qwen3moe", [GGUFKeyValue("qwen3moe.expert_feed_forward_length", .uint32(24))])
        let experts = try #require(m.experts)
        #expect(experts.routing == .softmax(renormalize: true) && experts.storage == .stacked)
        #expect(experts.layers == Set(0..<8) && experts.feedForwardSize == 24)
    }

    @Test func gptOSSSinksWindowAndExperts() throws {
        let m = try describe(
            #"{"model_type":"gpt_oss",\#(common),"num_local_experts":4,"num_experts_per_tok":2,"sliding_window":4}"#)
        #expect(m.attentionSinks)
        #expect(m.slidingWindow == 4 && m.slidingLayers == [0, 2, 4, 6])
        let experts = try #require(m.experts)
        #expect(experts.routing == .softmaxOfTopLogits && experts.activation == .clampedSwiGLU(limit: 7, alpha: 1.702))
        #expect(experts.storage == .stackedInputMajor(interleavedGateUp: true) && experts.feedForwardSize == 48)
        let types = try describe(
            #"{"model_type":"gpt_oss",\#(common),"num_local_experts":4,"num_experts_per_tok":2,"sliding_window":4,"swiglu_limit":3,"#
                + #""layer_types":["full_attention","sliding_attention","full_attention","sliding_attention","#
                + #""full_attention","sliding_attention","full_attention","sliding_attention"]}"#)
        #expect(types.slidingLayers == [1, 3, 5, 7])
        #expect(types.experts?.activation == .clampedSwiGLU(limit: 3, alpha: 1.702))
    }

    @Test func llama4AttentionAndExperts() throws {
        let m = try describe(
            #"{"model_type":"llama4_text",\#(common),"intermediate_size_mlp":64,"num_local_experts":4,"num_experts_per_tok":1,"#
                + #""interleave_moe_layer_step":2,"no_rope_layers":[1,1,1,0,1,1,1,0],"attention_chunk_size":16,"floor_scale":4,"#
                + #""attn_scale":0.25}"#)
        #expect(m.rope.style == .interleaved && m.rope.theta == 500_000)
        #expect(m.noRopeLayers == [3, 7])
        #expect(m.qkNorm?.scope == .unweighted && m.qkNorm?.layers == [0, 1, 2, 4, 5, 6])
        #expect(m.attentionChunkSize == 16 && m.chunkedLayers == [0, 1, 2, 4, 5, 6])
        #expect(m.attentionTemperature == ModelDescription.AttentionTemperature(floorScale: 4, scale: 0.25))
        let experts = try #require(m.experts)
        #expect(experts.layers == [1, 3, 5, 7] && m.feedForwardSize == 64)
        #expect(experts.feedForwardSize == 48 && experts.sharedFeedForwardSize == 48)
        #expect(experts.routing == .sigmoidOfTopLogits && experts.weighsInput)
        #expect(m.feedForwardWeights(layer: 1) == 3 * 32 * 48 * 5)
    }

    /// llama.cpp's llama4 fixes the attention settings; the q/k norm is off for the 128-expert model.
    @Test func llama4FromGGUFMetadata() throws {
        let m = try describe(
            gguf: "llama4",
            [
                GGUFKeyValue("llama4.expert_feed_forward_length", .uint32(24)),
                GGUFKeyValue("llama4.interleave_moe_layer_step", .uint32(2)),
            ])
        #expect(m.noRopeLayers == [3, 7] && m.chunkedLayers == [0, 1, 2, 4, 5, 6] && m.attentionChunkSize == 8192)
        #expect(m.qkNorm?.layers == [0, 1, 2, 4, 5, 6])
        #expect(m.experts?.layers == [1, 3, 5, 7] && m.experts?.sharedFeedForwardSize == 24)
    }
}
