import CkptJSON
import CkptModels
import CkptPrecompute
import Testing

/// `ckpt plan` on serial MoE models: the table replaces layer 0's Q, K and V only (its FFN, dense or
/// sparse, stays), and the model's weights count each layer's own FFN.
@Suite struct MixtureOfExpertsPlanTests {
    func plan(_ json: String) throws -> FirstLayerPlan {
        let object = try #require(try JSONParser().parse(Array(json.utf8)).object)
        return FirstLayerPlan(try ModelDescription.huggingFace(ConfigReader(config: object, file: "config.json")))
    }

    /// Qwen3-MoE with dense layers 0 and 2: d 32, 4 heads and 2 KV heads of 16, 4 experts of 24, dense 48.
    @Test func qwen3MoEEliminatesOnlyQKV() throws {
        let plan = try plan(
            #"{"model_type":"qwen3_moe","hidden_size":32,"num_hidden_layers":4,"num_attention_heads":4,"num_key_value_heads":2,"#
                + #""head_dim":16,"vocab_size":100,"intermediate_size":48,"num_experts":4,"num_experts_per_tok":2,"#
                + #""moe_intermediate_size":24,"mlp_only_layers":[0,2]}"#)
        #expect(plan.eliminatedWeights == 32 * 64 + 2 * 32 * 32)
        #expect(plan.feedForwardWeightsPerLayer == 3 * 32 * 48)
        #expect(plan.routerWeightsPerLayer == 4 * 32)
        let attention = 4 * (2 * 32 * 64 + 2 * 32 * 32)
        #expect(plan.modelWeights == 2 * 100 * 32 + attention + 2 * 3 * 32 * 48 + 2 * 3 * 32 * 24 * 4)
    }
}
