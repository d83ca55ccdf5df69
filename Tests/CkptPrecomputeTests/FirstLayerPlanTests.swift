import CkptFormats
import CkptModels
import CkptPrecompute
import CkptTestSupport
import Foundation
import Testing

/// `ckpt plan` reproduces every number of ../shared/paper/FORMULAS.md (corrected revision).
@Suite struct FirstLayerPlanTests {
    func plan(_ config: String, assumeParallel: Bool = false) throws -> [String: String] {
        let run = try runCkpt(["plan", Samples.url("configs/\(config)").path, "--json"] + (assumeParallel ? ["--assume-parallel"] : []))
        #expect(run.status == 0, "\(run.stderr)")
        let rows = try #require(try JSONParser().parse(Array(run.stdout.utf8)).object?["rows"]?.array)
        return Dictionary(uniqueKeysWithValues: rows.compactMap(\.object).map { ($0["label"]!.string!, $0["text"]!.string!) })
    }

    /// The paper's table, column by column; Pythia's vocabulary-dependent rows use the published 50,432.
    @Test func reproducesThePaper() throws {
        let expected: [(String, [String], Bool)] = [
            ("mistral-7b.json", ["33,554,432", "8,388,608", "176,160,768", "262,144,000", "25,165,824", "25,169,920", "10,240",
                                 "2,458x", "154x", "10x", "3x", "196,608,000", "-25,165,824", "171,442,176", "2%"], false),
            ("mixtral-8x7b.json", ["33,554,432", "8,388,608", "1,409,286,144", "262,144,000", "1,434,451,968", "1,434,456,064", "10,240",
                                   "140,084x", "8,756x", "548x", "137x", "196,608,000", "-1,434,451,968", "-1,237,843,968", "-3%"], true),
            // Paper (vocab 50,400): 412,876,800 / 619,315,200 / 434,765,824. Published config: 50,432.
            ("pythia-6.9b.json", ["33,554,432", "33,554,432", "134,217,728", "413,138,944", "184,549,376", "184,553,472", "16,384",
                                  "11,264x", "704x", "44x", "11x", "619,708,416", "-184,549,376", "435,159,040", "6%"], false),
        ]
        let labels = ["Q+P weights per layer", "K+V weights per layer", "FFN weights per layer", "Input+output embeddings",
                      "Weights that can be eliminated", "Reads without precompute, B=1", "Reads with precompute, B=1",
                      "Reduction factor B=1", "Reduction factor B=16", "Reduction factor B=256", "Reduction factor B=1,024",
                      "Embedding memory increase (2e+d)*vocab", "Memory decrease (eliminated weights)", "Total absolute change",
                      "Total relative change"]
        for (config, values, parallel) in expected {
            let rows = try plan(config, assumeParallel: parallel)
            for (label, value) in zip(labels, values) {
                #expect(rows[label] == value, "\(config): \(label)")
            }
        }
    }

    /// With the paper's own Pythia vocabulary (50,400) the vocabulary rows match its table too.
    @Test func pythiaWithThePapersVocabulary() throws {
        var config = try #require(try JSONParser().parse(Samples.data("configs/pythia-6.9b.json")).object)
        config["vocab_size"] = 50400
        let plan = FirstLayerPlan(try ModelDescription.huggingFace(ConfigReader(config: config, file: "config.json")))
        #expect(plan.embeddingWeights == 412_876_800)
        #expect(plan.embeddingIncrease == 619_315_200)
        #expect(plan.totalChange == 434_765_824)
        #expect(plan.rows(batches: [1]).last?.value.text == "6%")
    }

    @Test func textSaysWhetherTheRouterIsCounted() throws {
        let run = try runCkpt(["plan", Samples.url("configs/mixtral-8x7b.json").path, "--assume-parallel"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("Reduction factor B=1          140,084x") || run.stdout.contains("140,084x"))
        #expect(run.stdout.contains("MoE router (gate) weights are not counted"))
    }

    @Test func worksOnCheckpointsOfBothFormats() throws {
        for path in ["tiny/llama/model.gguf", "tiny/llama/hf-f32", "tiny/gpt_neox/hf-f32/config.json"] {
            let run = try runCkpt(["plan", Samples.url(path).path])
            #expect(run.status == 0, "\(path): \(run.stderr)")
            #expect(run.stdout.contains("Weights that can be eliminated"))
        }
        // llama tiny: d 32, q 32, kv 16 → eliminated 32·32 + 2·32·16 = 2,048; row 32+32+32 = 96.
        let rows = try #require(try JSONParser().parse(Array(try runCkpt(["plan", "--json", Samples.url("tiny/llama/model.gguf").path]).stdout.utf8)).object)
        #expect(rows["table_width"]?.number?.int64 == 96)
        let bad = try runCkpt(["plan", "--batch", "0", Samples.url("tiny/llama/model.gguf").path])
        #expect(bad.status == 2)
    }
}
