import CkptJSON
import CkptModels
import Foundation
import Testing

/// How config.json's RoPE settings become a description, in both published spellings. The frequencies
/// themselves are checked end to end against transformers' logits (Samples/tiny, TransformersFixtureTests).
@Suite struct RopeScalingTests {
    func describe(_ json: String) throws -> ModelDescription {
        let object = try #require(try JSONParser().parse(Array(json.utf8)).object, "test config is not a JSON object")
        return try ModelDescription.huggingFace(ConfigReader(config: object, file: "config.json"))
    }

    let llama = #""model_type":"llama","hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":100"#

    @Test func yarnAttentionFactorFollowsTransformers() throws {
        // No mscale: 0.1·ln(factor) + 1.
        let plain = try describe(
            "{\(llama),\"max_position_embeddings\":4096,\"rope_scaling\":{\"rope_type\":\"yarn\",\"factor\":4,\"original_max_position_embeddings\":1024}}"
        )
        guard case .yarn(let yarn) = plain.rope.scaling else {
            Issue.record("not yarn: \(plain.rope.scaling)")
            return
        }
        #expect(abs(yarn.attentionFactor - (0.1 * log(4.0) + 1)) < 1e-12)
        #expect(yarn.betaFast == 32 && yarn.betaSlow == 1 && yarn.truncate && yarn.originalContext == 1024)
        // DeepSeek-V3: mscale = mscale_all_dim cancel out.
        let deepSeek = try describe(
            "{\(llama),\"rope_scaling\":{\"type\":\"yarn\",\"factor\":40,\"mscale\":1.0,\"mscale_all_dim\":1.0,\"original_max_position_embeddings\":4096,\"beta_fast\":32,\"beta_slow\":1}}"
        )
        guard case .yarn(let v3) = deepSeek.rope.scaling else {
            Issue.record("not yarn")
            return
        }
        #expect(v3.attentionFactor == 1)
        // An explicit attention_factor wins; gpt-oss's truncate false is kept; no factor: max/original.
        let explicit = try describe(
            "{\(llama),\"max_position_embeddings\":131072,\"rope_parameters\":{\"rope_type\":\"yarn\",\"rope_theta\":150000,\"attention_factor\":1.5,\"original_max_position_embeddings\":4096,\"truncate\":false}}"
        )
        #expect(explicit.rope.theta == 150000)
        guard case .yarn(let oss) = explicit.rope.scaling else {
            Issue.record("not yarn")
            return
        }
        #expect(oss.attentionFactor == 1.5 && !oss.truncate && oss.factor == 32)
    }

    @Test func longRopeTakesPhi3sTopLevelOriginalContext() throws {
        let factors = (0..<8).map { "\(1.0 + Double($0) / 8)" }.joined(separator: ",")
        let phi = try describe(
            "{\(llama),\"max_position_embeddings\":131072,\"original_max_position_embeddings\":4096,\"rope_scaling\":{\"type\":\"longrope\",\"short_factor\":[\(factors)],\"long_factor\":[\(factors)]}}"
        )
        guard case .longRope(let longRope) = phi.rope.scaling else {
            Issue.record("not longrope")
            return
        }
        #expect(longRope.originalContext == 4096)
        #expect(abs(longRope.attentionFactor - (1 + log(32.0) / log(4096.0)).squareRoot()) < 1e-12)
        #expect(longRope.short.count == 8)
        #expect(throws: ModelError(file: "config.json", "rope_scaling.short_factor has 2 values, expected 8")) {
            try describe(
                "{\(llama),\"original_max_position_embeddings\":4096,\"rope_scaling\":{\"type\":\"longrope\",\"short_factor\":[1,2],\"long_factor\":[\(factors)]}}"
            )
        }
    }

    @Test func dynamicNTKGrowsPastTheConfiguredLength() throws {
        let dynamic = try describe("{\(llama),\"max_position_embeddings\":2048,\"rope_scaling\":{\"type\":\"dynamic\",\"factor\":2}}")
        #expect(dynamic.rope.scaling == .dynamic(factor: 2, originalContext: 2048))
    }

    /// Gemma 3's local RoPE: `rope_local_base_freq` and an unscaled sliding RoPE in the published spelling,
    /// one dictionary per layer type in transformers 5's; both describe the same model.
    @Test func gemma3LocalAndGlobalRopeInBothSpellings() throws {
        let common =
            #""model_type":"gemma3_text","hidden_size":64,"num_hidden_layers":6,"num_attention_heads":4,"num_key_value_heads":1,"head_dim":16,"vocab_size":100,"sliding_window":512,"rms_norm_eps":1e-6"#
        let legacy = try describe(
            "{\(common),\"rope_theta\":1000000,\"rope_local_base_freq\":10000,\"rope_scaling\":{\"rope_type\":\"linear\",\"factor\":8},\"sliding_window_pattern\":6}"
        )
        let v5 = try describe(
            "{\(common),\"layer_types\":[\"sliding_attention\",\"sliding_attention\",\"sliding_attention\",\"sliding_attention\",\"sliding_attention\",\"full_attention\"],\"rope_parameters\":{\"full_attention\":{\"rope_type\":\"linear\",\"factor\":8,\"rope_theta\":1000000},\"sliding_attention\":{\"rope_type\":\"default\",\"rope_theta\":10000}}}"
        )
        #expect(legacy == v5)
        #expect(v5.slidingLayers == [0, 1, 2, 3, 4])
        #expect(v5.rope(layer: 5) == ModelDescription.Rope(style: .neox, dimensions: 16, theta: 1_000_000, scaling: .linear(factor: 8)))
        #expect(v5.rope(layer: 0) == ModelDescription.Rope(style: .neox, dimensions: 16, theta: 10000))
        #expect(v5.qkNorm == ModelDescription.QKNorm(scope: .sharedAcrossHeads, norm: .rms(eps: 1e-6, weightOffset: 1)))
    }

    /// SmolLM3's `no_rope_layers` (1 = RoPE) and EXAONE 4's NoPE global layers.
    @Test func noRopeLayers() throws {
        let smol = try describe(
            #"{"model_type":"smollm3","hidden_size":64,"num_hidden_layers":4,"num_attention_heads":4,"vocab_size":100,"no_rope_layers":[0,1,1,0]}"#
        )
        #expect(smol.noRopeLayers == [0, 3])
        #expect(smol.rope(layer: 0) == nil && smol.rope(layer: 1) != nil)
        let byInterval = try describe(
            #"{"model_type":"smollm3","hidden_size":64,"num_hidden_layers":8,"num_attention_heads":4,"vocab_size":100}"#)
        #expect(byInterval.noRopeLayers == [3, 7])
        let exaone = try describe(
            #"{"model_type":"exaone4","hidden_size":64,"num_hidden_layers":4,"num_attention_heads":4,"vocab_size":100,"sliding_window":8,"sliding_window_pattern":"LLLG"}"#
        )
        #expect(exaone.slidingLayers == [0, 1, 2] && exaone.noRopeLayers == [3])
    }
}
