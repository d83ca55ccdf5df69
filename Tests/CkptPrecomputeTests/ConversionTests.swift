import CkptEngine
import CkptFormats
import CkptJSON
import CkptModels
import CkptPrecompute
import CkptStorage
import CkptTestSupport
import Foundation
import Testing

/// Every tiny fixture, converted from HF (f32) and GGUF, computes transformers' logits again.
@Suite(.removesTemporaryDirectories) struct ConversionTests {
    /// `Samples/tiny/manifest.json`; tests take it with `try #require(ConversionTests.loadManifest())`.
    static func loadManifest() throws -> JSONObject? {
        try JSONParser().parse(Samples.data("tiny/manifest.json")).object
    }

    /// The manifest for building argument lists, which cannot `#require`: empty if it does not load,
    /// which `manifestListsTheFixtures` then reports as a failure.
    static let manifest: JSONObject = (try? loadManifest()) ?? JSONObject()

    /// The manifest's token ids, empty if the manifest does not load (prefer `requireTokens()` in tests).
    static var tokens: [Int] { manifest["tokens"]?.array?.compactMap { $0.number?.int64.map(Int.init) } ?? [] }

    /// The manifest's token ids; fails the current test if they are missing.
    static func requireTokens() throws -> [Int] {
        let manifest = try #require(try loadManifest())
        let tokens = try #require(manifest["tokens"]?.array).compactMap { $0.number?.int64.map(Int.init) }
        try #require(!tokens.isEmpty, "Samples/tiny/manifest.json lists no tokens")
        return tokens
    }

    /// (variant, source file) for every HF f32 directory and GGUF file.
    static var sources: [String] {
        (manifest["variants"]?.object ?? JSONObject()).flatMap { name, entry in
            ["\(name)/hf-f32"] + (entry.object?["gguf"]?.object != nil ? ["\(name)/model.gguf"] : [])
        }
    }

    /// Converts `Samples/tiny/SOURCE` into a new temporary directory and returns the output's path; the
    /// directory is removed when the test ends (the calling suite needs `.removesTemporaryDirectories`).
    static func convert(_ source: String, tableType: ConversionOptions.TableType = .f32, keepOriginal: Bool = false) throws -> String {
        let dir = try makeScopedTemporaryDirectory("convert")
        let output = dir.appendingPathComponent(source.hasSuffix(".gguf") ? "out.gguf" : "out").path
        var options = ConversionOptions(threads: 2)
        options.tableType = tableType
        options.chunkRows = 64
        options.keepOriginal = keepOriginal
        _ = try Converter(input: Samples.url("tiny/\(source)").path, output: output, options: options).run()
        return output
    }

    /// The parameterized tests take their cases from the manifest; an unreadable manifest would give
    /// them none, so it is required here.
    @Test func manifestListsTheFixtures() throws {
        let manifest = try #require(try Self.loadManifest())
        let variants = try #require(manifest["variants"]?.object)
        #expect(variants.count >= 13)
        #expect(Self.sources.count >= 13)
        #expect(try Self.requireTokens().count > 1)
    }

    @Test(arguments: sources)
    func convertedLogitsMatchTransformers(_ source: String) throws {
        let output = try Self.convert(source)
        let converted = try Model(Checkpoint.open(output))
        #expect(converted.table != nil)
        let logits = try Engine(model: converted).logits(tokens: try Self.requireTokens())
        let variant = String(source.split(separator: "/")[0])
        let expected = try NumpyArray(contentsOf: Samples.url("tiny/\(variant)/logits.npy").path)
        let mismatch = firstMismatch(logits, expected.values, atol: 1e-4)
        #expect(mismatch == nil, "\(source): \(mismatch.map(String.init(describing:)) ?? "")")
    }

    /// Nothing but the replaced tensors is missing; every other tensor is byte-identical; the table
    /// has the right shape; metadata is kept.
    @Test(arguments: [
        "llama/model.gguf", "gpt_neox/hf-f32", "llama-tied-llama3/hf-f32", "mixtral/model.gguf", "stablelm-parallel-qknorm/hf-f32",
    ])
    func structureIsExact(_ source: String) throws {
        let input = try Checkpoint.open(Samples.url("tiny/\(source)").path)
        let original = try Model(input)
        let output = try Checkpoint.open(try Self.convert(source))
        let table = try #require(try Model(output).table)
        let removed = Set(table.removedTensors)
        let m = original.description
        #expect(removed.contains(try #require(original.tensor(.embedding)).name))
        #expect(removed.contains { $0.contains("layers.0.") || $0.contains("h.0.") || $0.hasPrefix("blk.0.") })
        #expect(!removed.contains { $0.contains("layers.1.") || $0.contains("h.1.") || $0.hasPrefix("blk.1.") })
        for tensor in input.tensors where !removed.contains(tensor.name) {
            let copy = try #require(output.tensor(named: tensor.name), "\(tensor.name) missing")
            #expect(Array(try output.bytes(of: copy)) == Array(try input.bytes(of: tensor)), "\(tensor.name)")
        }
        let extra = Set(output.tensors.map(\.name)).subtracting(input.tensors.map(\.name))
        var expectedExtra: Set<String> = [PrecomputedTable.tensorName]
        if m.tiedHead { expectedExtra.insert(try #require(original.names.name(.output))) }
        #expect(extra == expectedExtra)
        #expect(output.tensor(named: PrecomputedTable.tensorName)?.shape == [m.vocabSize, m.hiddenSize + m.qWidth + 2 * m.kvWidth])
        if input.format == .gguf {
            for entry in input.ggufMetadata { #expect(output.ggufFiles[0][entry.key] == entry.value, "\(entry.key)") }
        } else {
            #expect(output.config?["tie_word_embeddings"] == false)
            #expect(output.config?["ckpt_precompute"]?.object?["block"]?.string == (m.block == .serial ? "serial" : "parallel"))
        }
    }

    @Test func sameInputAndOptionsGiveTheSameBytes() throws {
        let a = try Self.convert("qwen2/model.gguf")
        let b = try Self.convert("qwen2/model.gguf")
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b)))
        let provenance = try Checkpoint.open(a).ggufFiles[0]
        #expect(provenance["ckpt.precompute.source_fingerprint"]?.string?.count == 64)
        #expect(provenance["ckpt.precompute.options"]?.string == "--precompute-first-layer --table-dtype f32")
        #expect(provenance["ckpt.precompute.tool_version"]?.string == toolVersion)
    }

    @Test(arguments: [ConversionOptions.TableType.f16, .bf16, .q8_0, .auto])
    func narrowTablesStayClose(_ type: ConversionOptions.TableType) throws {
        let output = try Self.convert("llama/model.gguf", tableType: type)
        let converted = try Model(Checkpoint.open(output))
        let expectedName = ["f16": "F16", "bf16": "BF16", "q8_0": "Q8_0", "auto": "F32"][type.rawValue]
        #expect(converted.table?.storage.rawValue == expectedName)
        let logits = try Engine(model: converted).logits(tokens: try Self.requireTokens())
        let expected = try NumpyArray(contentsOf: Samples.url("tiny/llama/logits.npy").path).values
        // Storage rounding only: well under the logits' own scale (~3).
        #expect(firstMismatch(logits, expected, atol: 0.05) == nil)
    }

    @Test func refusals() throws {
        let converted = try Self.convert("llama/model.gguf")
        var options = ConversionOptions(threads: 1)
        #expect(throws: FormatError(file: converted, "already converted: it holds a precomputed first-layer table")) {
            try Converter(input: converted, output: converted + ".2.gguf", options: options)
        }
        #expect(throws: FormatError(file: converted, "already exists (use --force to replace it)")) {
            try Converter(input: Samples.url("tiny/llama/model.gguf").path, output: converted, options: options)
        }
        options.tableType = .q8_0
        #expect(throws: FormatError.self) {
            try Converter(input: Samples.url("tiny/llama/hf-f32").path, output: converted + "-dir", options: options).run()
        }
        #expect(!FileManager.default.fileExists(atPath: converted + "-dir"))
    }
}

/// `--keep-original`: every original tensor stays, the table is added beside them.
@Suite(.removesTemporaryDirectories) struct KeepOriginalTests {
    @Test(arguments: ["llama-tied-llama3/model.gguf", "gpt_neox/hf-f32", "qwen2/model.gguf"])
    func keepsEverythingAndStillValidates(_ source: String) throws {
        let output = try ConversionTests.convert(source, keepOriginal: true)
        let input = try Checkpoint.open(Samples.url("tiny/\(source)").path)
        let converted = try Checkpoint.open(output)
        #expect(Set(converted.tensors.map(\.name)) == Set(input.tensors.map(\.name)).union([PrecomputedTable.tensorName]))
        let model = try Model(converted)
        #expect(model.table?.removedTensors == [])
        let report = try Validator(original: input.path, converted: output).run(options: .init())
        #expect(report.passed, "\(report.structureProblems)")
        #expect(report.identicalTensors == input.tensors.count)
    }
}

/// A sharded source keeps its shards: those with no changed tensor are cloned whole (or hard-linked
/// with `--link`), the others rewritten.
@Suite(.removesTemporaryDirectories) struct ShardedConversionTests {
    /// The tiny llama as several shards, in a temporary directory removed when the test ends.
    static func shardedLlama() throws -> URL {
        let source = Samples.url("tiny/llama/hf-f32")
        let input = try Checkpoint.open(source.path)
        let dir = try makeScopedTemporaryDirectory("sharded-llama")
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: dir.appendingPathComponent("config.json"))
        let tensors = try input.tensors.map { tensor in
            try SafetensorsWriter.Tensor(
                name: tensor.name, dtype: .f32, shape: tensor.shape, source: .mapped(input.file(of: tensor), offset: tensor.offset))
        }
        let names = try SafetensorsShards.write(tensors, metadata: [("format", "pt")], maxShardBytes: 20_000, to: dir.path)
        #expect(names.count > 4)
        return dir
    }

    @Test(arguments: [false, true])
    func unchangedShardsAreClonedWhole(_ hardLink: Bool) throws {
        let input = try Self.shardedLlama()
        let outputDirectory = try makeTemporaryDirectory("sharded-out")
        defer { removeTemporaryDirectory(outputDirectory) }
        let output = outputDirectory.appendingPathComponent("out").path
        var options = ConversionOptions(threads: 2)
        options.tableType = .f32
        options.hardLinkUnchangedShards = hardLink
        _ = try Converter(input: input.path, output: output, options: options).run()
        let shards = try FileManager.default.contentsOfDirectory(atPath: input.path).filter { $0.hasSuffix(".safetensors") }.sorted()
        #expect(try FileManager.default.contentsOfDirectory(atPath: output).filter { $0.hasSuffix(".safetensors") }.sorted() == shards)
        var cloned = 0
        for shard in shards {
            let a = input.appendingPathComponent(shard).path
            let b = URL(fileURLWithPath: output).appendingPathComponent(shard).path
            if FileManager.default.contentsEqual(atPath: a, andPath: b) {
                cloned += 1
                let inodeA = try FileManager.default.attributesOfItem(atPath: a)[.systemFileNumber] as? Int
                let inodeB = try FileManager.default.attributesOfItem(atPath: b)[.systemFileNumber] as? Int
                #expect((inodeA == inodeB) == hardLink, "\(shard)")
            }
        }
        #expect(cloned >= 2)
        let logits = try Engine(model: Model(Checkpoint.open(output))).logits(tokens: try ConversionTests.requireTokens())
        let expected = try NumpyArray(contentsOf: Samples.url("tiny/llama/logits.npy").path).values
        #expect(firstMismatch(logits, expected, atol: 1e-4) == nil)
        #expect(try Validator(original: input.path, converted: output).run(options: .init()).passed)
    }
}

/// A split GGUF stays split: same number of shards, each with its tensors and rewritten `split.*` keys.
@Suite(.removesTemporaryDirectories) struct SplitGGUFConversionTests {
    /// The tiny llama GGUF as three shards laid out the way llama.cpp's gguf-split does: all metadata in
    /// the first, `split.no`/`split.count`/`split.tensors.count` in each. In a temporary directory
    /// removed when the test ends.
    static func splitLlama() throws -> String {
        let source = try Checkpoint.open(Samples.url("tiny/llama/model.gguf").path)
        let file = source.ggufFiles[0]
        let dir = try makeScopedTemporaryDirectory("split-llama")
        let groups = [Array(file.tensors[0..<6]), Array(file.tensors[6..<12]), Array(file.tensors[12...])]
        let paths = (1...3).map { dir.appendingPathComponent("tiny-0000\($0)-of-00003.gguf").path }
        for (index, group) in groups.enumerated() {
            var metadata = index == 0 ? file.metadata : []
            metadata += [
                GGUFKeyValue("split.no", .uint16(UInt16(index))), GGUFKeyValue("split.count", .uint16(3)),
                GGUFKeyValue("split.tensors.count", .int32(Int32(file.tensors.count))),
            ]
            let tensors = try group.map { tensor in
                try GGUFWriter.Tensor(
                    name: tensor.name, dimensions: tensor.dimensions, type: tensor.type,
                    source: .mapped(source.files[0], offset: file.dataOffset + tensor.offset))
            }
            let output = try OutputFile(path: paths[index])
            try GGUFWriter(metadata: metadata, tensors: tensors).write(to: output)
            try output.commit()
        }
        return paths[1]
    }

    @Test func splitInputStaysSplit() throws {
        let input = try Self.splitLlama()
        let dir = try makeTemporaryDirectory("split-out")
        defer { removeTemporaryDirectory(dir) }
        var options = ConversionOptions(threads: 2)
        options.tableType = .f32
        let summary = try Converter(input: input, output: dir.appendingPathComponent("out.gguf").path, options: options).run()
        let names = (1...3).map { "out-0000\($0)-of-00003.gguf" }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == names)
        #expect(summary.output == dir.appendingPathComponent(names[0]).path)

        let original = try Checkpoint.open(input)
        let converted = try Checkpoint.open(summary.output)
        let removed = Set(summary.removedTensors)
        for (index, shard) in converted.ggufFiles.enumerated() {
            #expect(shard["split.no"]?.integer == index)
            #expect(shard["split.count"]?.integer == 3)
            #expect(shard["split.tensors.count"]?.integer == converted.tensors.count)
            let kept = original.ggufFiles[index].tensors.map(\.name).filter { !removed.contains($0) }
            #expect(shard.tensors.map(\.name).filter { $0 != PrecomputedTable.tensorName } == kept)
        }
        #expect(converted.ggufFiles[0].tensors.contains { $0.name == PrecomputedTable.tensorName })
        #expect(converted.ggufFiles[0]["ckpt.precompute.version"] != nil)
        let logits = try Engine(model: Model(converted)).logits(tokens: try ConversionTests.requireTokens())
        let expected = try NumpyArray(contentsOf: Samples.url("tiny/llama/logits.npy").path).values
        #expect(firstMismatch(logits, expected, atol: 1e-4) == nil)
        let report = try Validator(original: input, converted: dir.appendingPathComponent(names[2]).path).run(options: .init())
        #expect(report.passed, "\(report.structureProblems)")
        let dry = try runCkpt([
            "convert", input, dir.appendingPathComponent("again.gguf").path, "--precompute-first-layer", "--dry-run", "--json",
        ])
        let planned = try JSONParser().parse(Data(dry.stdout.utf8)).object?["output_files"]?.array?.compactMap(\.string)
        #expect(planned == (1...3).map { dir.appendingPathComponent("again-0000\($0)-of-00003.gguf").path })
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).count == 3)
        // Converting again over the same shards needs --force, shard by shard.
        #expect(throws: FormatError(file: summary.output, "already exists (use --force to replace it)")) {
            try Converter(input: input, output: dir.appendingPathComponent("out.gguf").path, options: options)
        }
    }
}
