import CkptEngine
import CkptFormats
import CkptJSON
import CkptModels
import CkptPrecompute
import CkptTestSupport
import Foundation
import Testing

/// DeepSeek's multi-head latent attention: the published configs are described and planned with the MLA
/// table layout `[x | q | c_kv | k_pe]` (docs/formats.md, "Table layouts"), and the tiny fixtures convert,
/// compute their original's logits again and validate with default options.
@Suite(.removesTemporaryDirectories) struct DeepSeekMLATests {
    /// DeepSeek-V3's attention and RoPE keys as published (deepseek-ai/DeepSeek-V3 config.json).
    static let v3Config = """
        {"model_type": "deepseek_v3", "hidden_size": 7168, "num_hidden_layers": 61, "num_attention_heads": 128,
         "num_key_value_heads": 128, "vocab_size": 129280, "intermediate_size": 18432, "moe_intermediate_size": 2048,
         "q_lora_rank": 1536, "kv_lora_rank": 512, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128,
         "n_routed_experts": 256, "num_experts_per_tok": 8, "n_shared_experts": 1, "first_k_dense_replace": 3,
         "n_group": 8, "topk_group": 4, "norm_topk_prob": true, "routed_scaling_factor": 2.5, "rms_norm_eps": 1e-06,
         "max_position_embeddings": 163840, "rope_theta": 10000, "tie_word_embeddings": false,
         "rope_scaling": {"beta_fast": 32, "beta_slow": 1, "factor": 40, "mscale": 1.0, "mscale_all_dim": 1.0,
                          "original_max_position_embeddings": 4096, "type": "yarn"}}
        """

    /// DeepSeek-V2-Lite's (deepseek-ai/DeepSeek-V2-Lite config.json): no q factorisation.
    static let v2LiteConfig = """
        {"model_type": "deepseek_v2", "hidden_size": 2048, "num_hidden_layers": 27, "num_attention_heads": 16,
         "num_key_value_heads": 16, "vocab_size": 102400, "intermediate_size": 10944, "moe_intermediate_size": 1408,
         "q_lora_rank": null, "kv_lora_rank": 512, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128,
         "n_routed_experts": 64, "num_experts_per_tok": 6, "n_shared_experts": 2, "first_k_dense_replace": 1,
         "topk_method": "greedy", "routed_scaling_factor": 1.0, "rms_norm_eps": 1e-06, "max_position_embeddings": 163840,
         "rope_theta": 10000, "tie_word_embeddings": false,
         "rope_scaling": {"beta_fast": 32, "beta_slow": 1, "factor": 40, "mscale": 0.707, "mscale_all_dim": 0.707,
                          "original_max_position_embeddings": 4096, "type": "yarn"}}
        """

    static func describe(_ json: String) throws -> ModelDescription {
        let config = try #require(try JSONParser().parse(Array(json.utf8)).object)
        return try ModelDescription.huggingFace(ConfigReader(config: config, file: "config.json"))
    }

    @Test func describesThePublishedV3() throws {
        let m = try Self.describe(Self.v3Config)
        let mla = try #require(m.mla)
        #expect(mla == ModelDescription.MLA(queryRank: 1536, latentRank: 512, noRopeDim: 128, ropeDim: 64, valueDim: 128))
        #expect(m.headDim == 192 && m.qWidth == 128 * 192 && m.kvHeadCount == 128)
        #expect(m.rope.dimensions == 64 && m.rope.style == .interleaved)
        // transformers' yarn_apply_mscale: 192^-½ · (0.1 · 1 · ln 40 + 1)².
        let mscale = 0.1 * log(40.0) + 1
        #expect(m.attentionScale == Float(1 / 192.0.squareRoot() * mscale * mscale))
        let experts = try #require(m.experts)
        #expect(experts.layers == Set(3..<61) && experts.sharedFeedForwardSize == 2048 && experts.weightScale == 2.5)
        #expect(experts.routing == .sigmoidGroupLimited(groups: 8, keptGroups: 4, renormalize: true))
    }

    /// The table row and the layer-0 weights it replaces, by hand: V3 eliminates q_a (7168·1536), q_b
    /// (1536·24576) and kv_a_proj_with_mqa (7168·576); V2-Lite q_proj (2048·3072) and kv_a_proj_with_mqa.
    static let plans: [(model: String, width: Int, eliminated: Int)] = [
        ("DeepSeek-V3", 7168 + 24576 + 512 + 64, 7168 * 1536 + 1536 * 24576 + 7168 * 576),
        ("DeepSeek-V2-Lite", 2048 + 3072 + 512 + 64, 2048 * 3072 + 2048 * 576),
    ]

    @Test(arguments: plans)
    func planCountsTheLatentLayout(_ model: String, width: Int, eliminated: Int) throws {
        let m = try Self.describe(model == "DeepSeek-V3" ? Self.v3Config : Self.v2LiteConfig)
        let plan = FirstLayerPlan(m)
        #expect(plan.tableWidth == width)
        #expect(plan.eliminatedWeights == eliminated)
        #expect(plan.embeddingIncrease == (width - m.hiddenSize) * m.vocabSize)
        #expect(TableSegment.layout(for: m).map(\.kind.rawValue) == ["x", "q", "c_kv", "k_pe"])
    }

    /// The DeepSeek variants of Samples/tiny, HF f32 and (where llama.cpp's converter wrote one) GGUF.
    static var sources: [String] {
        let variants = ConversionTests.manifest["variants"]?.object ?? JSONObject()
        return variants.filter { $0.key.hasPrefix("deepseek") }.flatMap { name, entry in
            ["\(name)/hf-f32"] + (entry.object?["gguf"]?.object != nil ? ["\(name)/model.gguf"] : [])
        }
    }

    @Test func fixturesExist() {
        #expect(Self.sources.contains("deepseek_v3/hf-f32") && Self.sources.contains("deepseek_v2/hf-f32"), "\(Self.sources)")
    }

    /// Converted: the MLA layout is recorded, exactly the latent path's layer-0 tensors are removed, and
    /// an F32 table's model computes the original's logits.
    @Test(arguments: sources)
    func convertsToTheLatentLayout(_ source: String) throws {
        let input = Samples.url("tiny/\(source)").path
        let original = try Model(Checkpoint.open(input))
        let converted = try Model(Checkpoint.open(try ConversionTests.convert(source)))
        let table = try #require(converted.table)
        let m = original.description
        let mla = try #require(m.mla)
        #expect(
            table.segments == TableSegment.latentLayout(hidden: m.hiddenSize, query: m.qWidth, latent: mla.latentRank, keyRope: mla.ropeDim)
        )
        let names = original.names
        let layerZero = [TensorRole.attnNorm, .qA, .qANorm, .qB, .q, .kvA, .kvANorm].compactMap { original.tensor($0)?.name }
        #expect(Set(table.removedTensors) == Set(layerZero + [try #require(original.tensor(.embedding)).name]))
        #expect(converted.checkpoint.tensor(named: try #require(names.name(.o))) != nil)
        #expect([TensorRole.kvB, .kB, .vB].contains { converted.tensor($0) != nil }, "layer 0 keeps kv_b")

        let tokens = try ConversionTests.requireTokens()
        let expected = try Engine(model: original).logits(tokens: tokens)
        let logits = try Engine(model: converted).logits(tokens: tokens)
        let mismatch = firstMismatch(logits, expected, atol: 1e-4)
        #expect(mismatch == nil, "\(source): \(mismatch.map(String.init(describing:)) ?? "")")
    }

    /// `ckpt convert` and `ckpt validate` with their default options (table type auto).
    @Test(arguments: sources)
    func defaultConversionValidates(_ source: String) throws {
        let input = Samples.url("tiny/\(source)").path
        let dir = try makeScopedTemporaryDirectory("deepseek")
        let output = dir.appendingPathComponent(source.hasSuffix(".gguf") ? "out.gguf" : "out").path
        _ = try Converter(input: input, output: output, options: ConversionOptions(threads: 2)).run()
        let report = try Validator(original: input, converted: output).run(options: .init())
        #expect(report.passed, "\(report.checks.filter { !$0.passed }.map(\.detail))")
        #expect(report.worstAuditRatio < 1)
    }
}
