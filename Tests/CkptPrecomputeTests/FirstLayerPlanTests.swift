import CkptFormats
import CkptJSON
import CkptModels
import CkptPrecompute
import CkptStorage
import CkptTestSupport
import Foundation
import Testing

/// `ckpt plan` reproduces every number of docs/paper-formulas.md, "Reference figures" (the paper's corrected revision).
@Suite struct FirstLayerPlanTests {
    func plan(_ config: String, assumeParallel: Bool = false) throws -> [String: String] {
        let run = try runCkpt(["plan", Samples.url("configs/\(config)").path, "--json"] + (assumeParallel ? ["--assume-parallel"] : []))
        #expect(run.status == 0, "\(run.stderr)")
        let rows = try #require(try JSONParser().parse(Array(run.stdout.utf8)).object?["rows"]?.array)
        return Dictionary(
            uniqueKeysWithValues: try rows.map { row in
                let row = try #require(row.object)
                return (try #require(row["label"]?.string), try #require(row["text"]?.string))
            })
    }

    /// The paper's table, column by column; Pythia's vocabulary-dependent rows use the published 50,432.
    /// Factors below 10 carry two significant digits: Mistral's B=1,024 (29,360,128 / 10,485,760 = 2.8)
    /// is the paper's "3x" (docs/paper-formulas.md, "Reference figures").
    @Test func reproducesThePaper() throws {
        let expected: [(String, [String], Bool)] = [
            (
                "mistral-7b.json",
                [
                    "33,554,432", "8,388,608", "176,160,768", "262,144,000", "25,165,824", "25,169,920", "10,240",
                    "2,458x", "154x", "10x", "2.8x", "196,608,000", "-25,165,824", "171,442,176", "2%",
                ], false
            ),
            (
                "mixtral-8x7b.json",
                [
                    "33,554,432", "8,388,608", "1,409,286,144", "262,144,000", "1,434,451,968", "1,434,456,064", "10,240",
                    "140,084x", "8,756x", "548x", "137x", "196,608,000", "-1,434,451,968", "-1,237,843,968", "-3%",
                ], true
            ),
            // Paper (vocab 50,400): 412,876,800 / 619,315,200 / 434,765,824. Published config: 50,432.
            (
                "pythia-6.9b.json",
                [
                    "33,554,432", "33,554,432", "134,217,728", "413,138,944", "184,549,376", "184,553,472", "16,384",
                    "11,264x", "704x", "44x", "11x", "619,708,416", "-184,549,376", "435,159,040", "6%",
                ], false
            ),
        ]
        let labels = [
            "Q+P weights per layer", "K+V weights per layer", "FFN weights per layer", "Input+output embeddings",
            "Weights that can be eliminated", "Reads without precompute, B=1", "Reads with precompute, B=1",
            "Reduction factor B=1", "Reduction factor B=16", "Reduction factor B=256", "Reduction factor B=1,024",
            "Embedding memory increase (2e+d)*vocab", "Memory decrease (eliminated weights)", "Total absolute change",
            "Total relative change",
        ]
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
        let rows = try #require(
            try JSONParser().parse(Array(try runCkpt(["plan", "--json", Samples.url("tiny/llama/model.gguf").path]).stdout.utf8)).object)
        #expect(rows["table_width"]?.number?.int64 == 96)
        let bad = try runCkpt(["plan", "--batch", "0", Samples.url("tiny/llama/model.gguf").path])
        #expect(bad.status == 2)
    }
}

/// Honest numbers: factors with two significant digits below 10 and `(slower)` below 1; per table type,
/// the table's bytes, the output's exact bytes and the change, the same as `convert --dry-run` prints and
/// as a real conversion writes; a verdict by a stated rule; converted checkpoints refused.
@Suite struct FirstLayerPlanSizesTests {
    func json(_ arguments: [String]) throws -> JSONObject {
        let run = try runCkpt(arguments)
        #expect(run.status == 0, "\(arguments): \(run.stderr)")
        return try #require(try JSONParser().parse(Array(run.stdout.utf8)).object)
    }

    func int(_ value: JSONValue?) -> Int? { value?.number?.int64.map(Int.init) }

    func objects(_ value: JSONValue?) -> [JSONObject] { (value?.array ?? []).compactMap(\.object) }

    @Test func factorsBelowTenHaveTwoSignificantDigits() {
        let cases: [(Double, String)] = [
            (140_083.9, "140,084x"), (2458.4, "2,458x"), (10.0, "10x"), (9.96, "10x"), (9.94, "9.9x"), (3.14, "3.1x"),
            (2.8, "2.8x"), (1.0, "1.0x"), (0.996, "1.0x (slower)"), (0.73, "0.73x (slower)"), (0.0421, "0.042x (slower)"),
        ]
        for (factor, text) in cases {
            #expect(FirstLayerPlan.Value.factor(factor).text == text, "\(factor)")
        }
    }

    /// The tiny llama (d 32, table row 96): reads 2,080 vs 96 at B=1; at B=16 2,560 vs 1,536 (1.67);
    /// at B=256 10,240 vs 24,576 (0.417) and at B=1,024 34,816 vs 98,304 (0.354): the table reads more.
    @Test func smallFactorsAreNotRoundedAway() throws {
        let object = try json(["plan", "--json", Samples.url("tiny/llama/model.gguf").path])
        let rows = Dictionary(
            uniqueKeysWithValues: (object["rows"]?.array ?? []).compactMap(\.object).map { ($0["label"]!.string!, $0["text"]!.string!) })
        #expect(rows["Reduction factor B=1"] == "22x")
        #expect(rows["Reduction factor B=16"] == "1.7x")
        #expect(rows["Reduction factor B=256"] == "0.42x (slower)")
        #expect(rows["Reduction factor B=1,024"] == "0.35x (slower)")
        let text = try runCkpt(["plan", Samples.url("tiny/llama/model.gguf").path]).stdout
        #expect(text.contains("Reduction factor B=1,024                0.35x (slower)"))
    }

    /// Every table type's figures against a real conversion of the shipped samples: table bytes from the
    /// element counts, output bytes exactly as written, and the formula (input − removed + table +
    /// tied head copy) off only by the headers' change.
    @Test(arguments: ["llama/model.gguf", "llama/hf-f32", "llama-tied-llama3/model.gguf", "llama-tied-llama3/hf-f32"])
    func sizesMatchARealConversion(_ sample: String) throws {
        let input = Samples.url("tiny/\(sample)").path
        let gguf = sample.hasSuffix(".gguf")
        let dir = try makeTemporaryDirectory("plan-sizes")
        defer { try? FileManager.default.removeItem(at: dir) }
        let sizer = try ConversionSizer(input: input)
        let all = try sizer.sizesForEveryTableType()
        #expect(all.map(\.tableType) == ["F32", "F16", "BF16"] + (gguf ? ["Q8_0"] : []))
        #expect(all.filter(\.isAuto).map(\.tableType) == ["F32"])
        // 300 rows of 32 + 32 + 2·16 = 96 values; Q8_0: 3 blocks of 34 bytes per row.
        #expect(all.map(\.tableBytes) == [300 * 96 * 4, 300 * 96 * 2, 300 * 96 * 2] + (gguf ? [300 * 3 * 34] : []))
        let tied = sample.hasPrefix("llama-tied")
        let plan = try json(["plan", "--json", input])
        let planned = objects(plan["table_sizes"])
        #expect(planned.count == all.count)
        for (index, (sizes, requested)) in zip(all, sizer.tableTypeChoices).enumerated() {
            var options = ConversionOptions(threads: 2)
            options.tableType = sizes.isAuto ? .auto : requested
            let output = dir.appendingPathComponent("out\(index)" + (gguf ? ".gguf" : "")).path
            let summary = try Converter(input: input, output: output, options: options).run()
            #expect(summary.tableType == sizes.tableType)
            #expect(summary.tableBytes == sizes.tableBytes, "\(sample) \(sizes.tableType)")
            #expect(summary.outputBytes == sizes.outputBytes, "\(sample) \(sizes.tableType)")
            #expect(summary.inputBytes == sizes.inputBytes)
            #expect(sizes.headCopyBytes == (tied ? 300 * 32 * 4 : 0))
            let formula = sizes.inputBytes - sizes.removedBytes + sizes.tableBytes + sizes.headCopyBytes
            #expect(abs(sizes.outputBytes - formula) < 4096, "\(sample) \(sizes.tableType): \(sizes.outputBytes) vs \(formula)")
            #expect(planned[index]["table_dtype"]?.string == sizes.tableType)
            #expect(int(planned[index]["table_bytes"]) == summary.tableBytes)
            #expect(int(planned[index]["output_bytes"]) == summary.outputBytes)
            #expect(int(planned[index]["change_bytes"]) == summary.outputBytes - summary.inputBytes)
            // `convert --dry-run --json` says the same for the type it would use.
            let dry = try json(
                [
                    "convert", input, dir.appendingPathComponent("dry" + (gguf ? ".gguf" : "")).path, "--precompute-first-layer",
                    "--dry-run", "--json",
                    "--table-dtype", options.tableType.rawValue,
                ])
            #expect(int(dry["table_bytes"]) == summary.tableBytes)
            #expect(int(dry["output_bytes"]) == summary.outputBytes)
            #expect(int(dry["input_bytes"]) == summary.inputBytes)
            #expect(dry["table_dtype"]?.string == summary.tableType)
            #expect(dry["removed_tensors"]?.array?.compactMap(\.string) == summary.removedTensors)
        }
        #expect(int(plan["input_bytes"]) == all[0].inputBytes)
    }

    /// `--keep-original` adds the table and removes nothing; the dry run and the conversion agree.
    @Test func keepOriginalSizes() throws {
        let input = Samples.url("tiny/llama-tied-llama3/model.gguf").path
        let dir = try makeTemporaryDirectory("plan-keep")
        defer { try? FileManager.default.removeItem(at: dir) }
        let sizes = try ConversionSizer(input: input, keepOriginal: true).sizes(.f16)
        #expect(sizes.removedBytes == 0 && sizes.headCopyBytes == 0)
        var options = ConversionOptions(threads: 2)
        options.tableType = .f16
        options.keepOriginal = true
        let summary = try Converter(input: input, output: dir.appendingPathComponent("out.gguf").path, options: options).run()
        #expect(summary.outputBytes == sizes.outputBytes)
        let dry = try json([
            "convert", input, dir.appendingPathComponent("dry.gguf").path, "--precompute-first-layer", "--dry-run", "--json",
            "--table-dtype", "f16", "--keep-original",
        ])
        #expect(int(dry["output_bytes"]) == summary.outputBytes)
        #expect(dry["removed_tensors"]?.array?.isEmpty == true)
    }

    /// Split GGUF and sharded safetensors inputs: every output file counted, exactly.
    @Test func shardedInputsMatchARealConversion() throws {
        let dir = try makeTemporaryDirectory("plan-shards")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The tiny llama GGUF in two shards, metadata in the first, as gguf-split writes them.
        let gguf = try Checkpoint.open(Samples.url("tiny/llama/model.gguf").path)
        let file = gguf.ggufFiles[0]
        let groups = [Array(file.tensors[0..<8]), Array(file.tensors[8...])]
        for (index, group) in groups.enumerated() {
            let metadata =
                (index == 0 ? file.metadata : []) + [
                    GGUFKeyValue("split.no", .uint16(UInt16(index))), GGUFKeyValue("split.count", .uint16(2)),
                    GGUFKeyValue("split.tensors.count", .int32(Int32(file.tensors.count))),
                ]
            let tensors = try group.map {
                try GGUFWriter.Tensor(
                    name: $0.name, dimensions: $0.dimensions, type: $0.type,
                    source: .mapped(gguf.files[0], offset: file.dataOffset + $0.offset))
            }
            let output = try OutputFile(path: dir.appendingPathComponent("split-0000\(index + 1)-of-00002.gguf").path)
            try GGUFWriter(metadata: metadata, tensors: tensors).write(to: output)
            try output.commit()
        }
        // The tiny llama safetensors in shards of at most 20,000 bytes, with its index.
        let hf = Samples.url("tiny/llama/hf-f32")
        let source = try Checkpoint.open(hf.path)
        let sharded = dir.appendingPathComponent("sharded")
        try FileManager.default.createDirectory(at: sharded, withIntermediateDirectories: false)
        try FileManager.default.copyItem(at: hf.appendingPathComponent("config.json"), to: sharded.appendingPathComponent("config.json"))
        let tensors = try source.tensors.map {
            try SafetensorsWriter.Tensor(
                name: $0.name, dtype: .f32, shape: $0.shape, source: .mapped(source.file(of: $0), offset: $0.offset))
        }
        try SafetensorsShards.write(tensors, metadata: [("format", "pt")], maxShardBytes: 20_000, to: sharded.path)

        for (input, output) in [
            (dir.appendingPathComponent("split-00001-of-00002.gguf").path, dir.appendingPathComponent("out.gguf").path),
            (sharded.path, dir.appendingPathComponent("out").path),
        ] {
            for type in [ConversionOptions.TableType.auto, .bf16] {
                var options = ConversionOptions(threads: 2)
                options.tableType = type
                options.overwrite = true
                let sizes = try ConversionSizer(input: input).sizes(type)
                let summary = try Converter(input: input, output: output, options: options).run()
                #expect(summary.outputBytes == sizes.outputBytes, "\(input) \(type)")
                #expect(summary.tableBytes == sizes.tableBytes)
            }
        }
    }

    /// The rule, on bytes: the tiny llama saves 128 (embedding row) + 8,320 (Q, K, V, norm) − 384 (F32
    /// row) = 8,064 bytes per token but grows by far more: a loss; as Q8_0 its file shrinks: a win.
    @Test func verdictOnAFile() throws {
        let input = Samples.url("tiny/llama/model.gguf").path
        let all = try ConversionSizer(input: input).sizesForEveryTableType()
        let f32 = try #require(all.first { $0.tableType == "F32" })
        #expect(f32.tokenReadsWithout == 128 + 8_320 && f32.tokenReadsWith == 384)
        #expect(f32.verdict == FirstLayerVerdict(unit: .bytes, readsSaved: 8_064, memoryAdded: f32.change))
        #expect(f32.verdict.isLoss && f32.change > 8_064)
        let q8 = try #require(all.first { $0.tableType == "Q8_0" })
        #expect(q8.change < 0 && !q8.verdict.isLoss)

        let object = try json(["plan", "--json", input])
        let verdict = try #require(object["verdict"]?.object)
        #expect(verdict["unit"]?.string == "bytes")
        #expect(verdict["table_dtype"]?.string == "F32")
        #expect(int(verdict["reads_saved_per_token"]) == 8_064)
        #expect(int(verdict["memory_added"]) == f32.change)
        #expect(verdict["loss"]?.bool == true)
        let sizes = objects(object["table_sizes"])
        #expect(sizes.map { $0["verdict"]?.string } == ["loss", "loss", "loss", "win"])

        let text = try runCkpt(["plan", input]).stdout
        #expect(
            text.contains("Verdict (F32, the table type convert picks by default): loss: at B=1 one token reads 7.88 KiB less in layer 0"))
        #expect(text.contains("Rule: \(FirstLayerVerdict.rule)."))
        // Human-readable sizes in text, the same as the dry run's line.
        let dry = try runCkpt(["convert", input, "/tmp/ckpt-plan-never-written.gguf", "--precompute-first-layer", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("table 300 × 96 F32 (112 KiB)"))
        #expect(dry.stdout.contains("154 KiB → 222 KiB (+43.9%)"))
        #expect(text.contains("F32 (auto)      112 KiB       222 KiB  +67.7 KiB (+43.9%)"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/ckpt-plan-never-written.gguf"))
    }

    /// Without a file, the rule in values: Mistral-7B saves 25,169,920 − 10,240 reads per token but
    /// grows by 171,442,176 (a loss); the parallel Mixtral frees memory (a win). Table bytes come from
    /// the element counts; input sizes are unknown.
    @Test func verdictOnAConfig() throws {
        let mistral = try json(["plan", "--json", Samples.url("configs/mistral-7b.json").path])
        let verdict = try #require(mistral["verdict"]?.object)
        #expect(verdict["unit"]?.string == "values")
        #expect(verdict["table_dtype"] == .null)
        #expect(int(verdict["reads_saved_per_token"]) == 25_159_680)
        #expect(int(verdict["memory_added"]) == 171_442_176)
        #expect(verdict["loss"]?.bool == true)
        #expect(mistral["input_bytes"] == .null)
        let sizes = objects(mistral["table_sizes"])
        #expect(sizes.map { $0["table_dtype"]?.string } == ["F32", "F16", "BF16"])
        #expect(sizes.map { int($0["table_bytes"]) } == [32_000 * 10_240 * 4, 32_000 * 10_240 * 2, 32_000 * 10_240 * 2])
        #expect(sizes.allSatisfy { $0["output_bytes"] == .null })
        let text = try runCkpt(["plan", Samples.url("configs/mistral-7b.json").path]).stdout
        #expect(text.contains("input sizes are unknown"))
        #expect(text.contains("F32 1.22 GiB, F16 625 MiB, BF16 625 MiB"))
        #expect(
            text.contains(
                "loss: at B=1 one token reads 25,159,680 fewer values in layer 0, but memory grows by 171,442,176 values, 6.8x as much."))

        let mixtral = try json(["plan", "--json", "--assume-parallel", Samples.url("configs/mixtral-8x7b.json").path])
        #expect(mixtral["verdict"]?.object?["loss"]?.bool == false)
        #expect(int(mixtral["verdict"]?.object?["memory_added"]) == -1_237_843_968)
        let pythia = try json(["plan", "--json", Samples.url("configs/pythia-6.9b.json").path])
        #expect(pythia["verdict"]?.object?["loss"]?.bool == true)
    }

    /// A converted checkpoint (GGUF file, HF directory, or its config.json) is refused in one line.
    @Test func convertedCheckpointsAreRefused() throws {
        let dir = try makeTemporaryDirectory("plan-converted")
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = ConversionOptions(threads: 2)
        options.tableType = .f16
        let gguf = dir.appendingPathComponent("out.gguf").path
        let hf = dir.appendingPathComponent("out").path
        _ = try Converter(input: Samples.url("tiny/llama/model.gguf").path, output: gguf, options: options).run()
        _ = try Converter(input: Samples.url("tiny/llama/hf-f32").path, output: hf, options: options).run()
        for path in [gguf, hf, hf + "/config.json"] {
            for json in [false, true] {
                let run = try runCkpt(["plan", path] + (json ? ["--json"] : []))
                #expect(run.status == 2, "\(path)")
                #expect(run.stdout.isEmpty)
                #expect(
                    run.stderr.hasPrefix(
                        "ckpt: error: \(path): already converted (it holds a precomputed first-layer table); plan the original"))
                #expect(run.stderr.split(separator: "\n").count == 1)
            }
        }
        #expect(throws: FormatError(file: gguf, "already converted: it holds a precomputed first-layer table")) {
            try ConversionSizer(input: gguf)
        }
    }
}
