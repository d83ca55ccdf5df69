import CkptFormats
import CkptJSON
import CkptTestSupport
import Foundation
import Testing

@Suite struct InspectCommandTests {
    @Test func textListsTensorsAndMetadata() throws {
        let run = try runCkpt(["inspect", Samples.url("formats/kv-types.gguf").path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("format:        gguf"))
        #expect(run.stdout.contains("architecture:  llama"))
        #expect(run.stdout.contains("q8_0.weight  Q8_0   [2, 64]  136"))
        #expect(run.stdout.contains("tokenizer.ggml.tokens   [20 × string] tok0, tok1"))
        #expect(run.stdout.contains("context_length    64"))
    }

    @Test func jsonHasTheDocumentedShape() throws {
        let run = try runCkpt(["inspect", "--json", Samples.url("formats/kv-types.gguf").path])
        #expect(run.status == 0, "\(run.stderr)")
        let root = try #require(try JSONParser().parse(Array(run.stdout.utf8)).object)
        #expect(root["format"]?.string == "gguf")
        #expect(root["architecture"]?.string == "llama")
        #expect(root["tensor_count"]?.number?.int64 == 5)
        let q8 = try #require(root["tensors"]?.array?[3].object)
        #expect(q8["name"]?.string == "q8_0.weight")
        #expect(q8["dtype"]?.string == "Q8_0")
        #expect(q8["shape"]?.array?.compactMap { $0.number?.int64 } == [2, 64])
        #expect(q8["bytes"]?.number?.int64 == 136)
        let tokens = try #require(root["metadata"]?.object?["tokenizer.ggml.tokens"]?.object)
        #expect(tokens["count"]?.number?.int64 == 20)
        #expect(tokens["element_type"]?.string == "string")
        #expect(tokens["head"]?.array?.count == 8)
        #expect(root["metadata"]?.object?["test.u64"]?.number?.text == "18446744073709551615")
        #expect(root["hyperparameters"]?.object?["embedding_length"]?.number?.int64 == 32)
    }

    @Test func inspectsShardedDirectory() throws {
        let run = try runCkpt(["inspect", "--json", Samples.url("formats/sharded").path])
        #expect(run.status == 0, "\(run.stderr)")
        let root = try #require(try JSONParser().parse(Array(run.stdout.utf8)).object)
        #expect(root["format"]?.string == "safetensors")
        #expect(root["files"]?.array?.count == 2)
        #expect(root["hyperparameters"]?.object?["hidden_size"]?.number?.int64 == 4)
    }

    @Test(arguments: HostileInputs.gguf + HostileInputs.safetensors)
    func hostileInputExitsWithCode2AndOneLine(_ input: HostileInput) throws {
        let dir = try makeTemporaryDirectory("cli-hostile")
        defer { removeTemporaryDirectory(dir) }
        let path = dir.appendingPathComponent("input.\(input.fileExtension)").path
        try Data(input.bytes).write(to: URL(fileURLWithPath: path))
        let run = try runCkpt(["inspect", path])
        #expect(run.status == 2, "\(input.label): status \(run.status)")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(input.label): \(run.stderr)")
        #expect(run.stderr.hasPrefix("ckpt: error: \(path): "), "\(input.label): \(run.stderr)")
        #expect(run.stderr.contains(input.expected), "\(input.label): \(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test(arguments: [["inspect"], ["frobnicate"], ["inspect", "/nonexistent/model.gguf"], ["inspect", "--bogus", "x"]])
    func badUsageExitsWithCode2(_ arguments: [String]) throws {
        let run = try runCkpt(arguments)
        #expect(run.status == 2, "\(arguments): \(run.stderr)")
        #expect(!run.stderr.isEmpty)
    }

    @Test func helpExitsWithCode0() throws {
        let run = try runCkpt(["--help"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("inspect"))
    }
}

@Suite struct InspectSmolLM2Tests {
    @Test(.requiresSmolLM2) func listsAll272Tensors() throws {
        let path = try requireSmolLM2Path()
        let run = try runCkpt(["inspect", "--json", path])
        #expect(run.status == 0, "\(run.stderr)")
        let root = try #require(try JSONParser().parse(Array(run.stdout.utf8)).object)
        let tensors = try #require(root["tensors"]?.array).compactMap(\.object)
        #expect(tensors.count == 272)
        let types = Dictionary(grouping: tensors, by: { $0["dtype"]?.string ?? "" }).mapValues(\.count)
        #expect(types == ["Q4_1": 210, "F32": 61, "Q8_0": 1])
        #expect(tensors[0]["name"]?.string == "token_embd.weight")
        #expect(tensors[0]["shape"]?.array?.compactMap { $0.number?.int64 } == [49152, 576])
        #expect(root["hyperparameters"]?.object?["block_count"]?.number?.int64 == 30)
        let tokens = try #require(root["metadata"]?.object?["tokenizer.ggml.tokens"]?.object)
        #expect(tokens["count"]?.number?.int64 == 49152)
    }
}
