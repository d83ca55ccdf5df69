import CkptFormats
import CkptJSON
import CkptPrecompute
import CkptTestSupport
import Foundation
import Testing

@Suite(.removesTemporaryDirectories) struct ValidationTests {
    @Test(arguments: ["llama/model.gguf", "gpt_neox/hf-f32", "gemma2/hf-f32", "mixtral/model.gguf"])
    func f32ConversionPasses(_ source: String) throws {
        let converted = try ConversionTests.convert(source)
        let report = try Validator(original: Samples.url("tiny/\(source)").path, converted: converted).run(options: .init())
        #expect(report.passed)
        #expect(report.structureProblems.isEmpty)
        #expect(report.statistics.count == 4 * 31)
        #expect(report.statistics.meanKLD < 1e-9)
        #expect(report.statistics.sameTopFraction == 1)
        #expect(report.statistics.maxAbsoluteDifference < 1e-4)
        #expect(report.worstAuditRatio < 0.1)
    }

    @Test(arguments: [ConversionOptions.TableType.bf16, .f16, .q8_0])
    func narrowTablesPassTheirOwnLimits(_ type: ConversionOptions.TableType) throws {
        let converted = try ConversionTests.convert("llama/model.gguf", tableType: type)
        var options = Validator.Options()
        options.fullAudit = true
        let report = try Validator(original: Samples.url("tiny/llama/model.gguf").path, converted: converted).run(options: options)
        #expect(report.auditedRows == 300)
        #expect(report.auditPassed, "worst \(report.worstAuditError) at \(report.worstAuditToken)")
        #expect(report.statistics.meanKLD > 0)
    }

    @Test func corruptedTensorFailsStructure() throws {
        let converted = try ConversionTests.convert("llama/model.gguf")
        let checkpoint = try Checkpoint.open(converted)
        let victim = try #require(checkpoint.tensor(named: "blk.1.ffn_down.weight"))
        try flipByte(converted, at: victim.offset + 5)
        let run = try runCkpt(["validate", Samples.url("tiny/llama/model.gguf").path, converted])
        #expect(run.status == 1)
        #expect(run.stdout.contains("blk.1.ffn_down.weight differs from the original"))
        #expect(run.stdout.contains("verdict: FAIL"))
    }

    @Test func corruptedTableRowFailsAudit() throws {
        let converted = try ConversionTests.convert("llama/model.gguf")
        let checkpoint = try Checkpoint.open(converted)
        let table = try #require(checkpoint.tensor(named: "first_layer_table.weight"))
        // Token 299 (the last row, always audited), value 40: a q entry.
        try flipByte(converted, at: table.offset + (299 * 96 + 40) * 4 + 3)
        let run = try runCkpt(["validate", "--json", Samples.url("tiny/llama/model.gguf").path, converted])
        #expect(run.status == 1)
        let root = try #require(try JSONParser().parse(Array(run.stdout.utf8)).object)
        #expect(root["audit"]?.object?["passed"] == false)
        #expect(root["audit"]?.object?["worst_token"]?.number?.int64 == 299)
        #expect(root["passed"] == false)
    }

    @Test func printsLlamaPerplexityBlocks() throws {
        let converted = try ConversionTests.convert("qwen3/hf-f32")
        let run = try runCkpt(["validate", "--tokens", "1,2,3,4,5,6,7,8,9,10,11,12", Samples.url("tiny/qwen3/hf-f32").path, converted])
        #expect(run.status == 0, "\(run.stderr)")
        for line in [
            "====== KL divergence statistics ======", "Mean    KLD:", "Maximum KLD:", "99.9%   KLD:", "Median  KLD:",
            " 0.1%   KLD:", "Minimum KLD:", "====== Token probability statistics ======", "Mean    Δp:", "RMS Δp    :",
            "Same top p: 100.000 ± 0.000 %", "NMSE:", "verdict: pass",
        ] {
            #expect(run.stdout.contains(line), "\(line)")
        }
        // The table's rows and the engine's layer 0 run the same products: bit-identical here, or within 1e-6.
        #expect(run.stdout.contains("Perfect match") || run.stdout.contains("Essentially identical"))
        #expect(run.stdout.contains("11 positions"))
    }

    @Test func refusesSwappedArguments() throws {
        let converted = try ConversionTests.convert("llama/model.gguf")
        let run = try runCkpt(["validate", converted, Samples.url("tiny/llama/model.gguf").path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("is itself converted"))
    }

    func flipByte(_ path: String, at offset: Int) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: UInt64(offset))
        let byte = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: [byte ^ 0x40])
        try handle.close()
    }
}
