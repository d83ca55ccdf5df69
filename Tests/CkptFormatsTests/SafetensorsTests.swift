import CkptFormats
import CkptStorage
import CkptTestSupport
import Foundation
import Testing

@Suite struct SafetensorsTests {
    @Test func listsEveryDtype() throws {
        let checkpoint = try Checkpoint.open(Samples.url("formats/all-dtypes.safetensors").path)
        #expect(Set(checkpoint.tensors.map(\.type.name)) == Set(SafetensorsDType.allCases.map(\.rawValue)))
        #expect(checkpoint.safetensorsFiles[0].metadata?.map(\.key) == ["format", "note"])
        let f32 = try #require(checkpoint.tensor(named: "f32"))
        #expect(try checkpoint.floats(of: f32) == [1, -2, 0.5, 3, 0, -0.25, 8, 1e-3])
        let decodable = checkpoint.tensors.filter(\.type.isFloatDecodable).map(\.type.name).sorted()
        #expect(decodable == ["BF16", "F16", "F32", "F64", "F8_E4M3", "F8_E5M2"])
        let i32 = try #require(checkpoint.tensor(named: "i32"))
        try expectFailure("cannot read I32 values as floats") { try checkpoint.floats(of: i32) }
    }

    @Test func roundTripKeepsTensorsAndMetadata() throws {
        let input = try Checkpoint.open(Samples.url("formats/all-dtypes.safetensors").path)
        let dir = try makeTemporaryDirectory("safetensors-round-trip")
        defer { removeTemporaryDirectory(dir) }
        let output = dir.appendingPathComponent("out.safetensors").path
        let file = try OutputFile(path: output)
        try SafetensorsWriter(metadata: input.safetensorsFiles[0].metadata, tensors: writerTensors(input)).write(to: file)
        try file.commit()
        let reread = try Checkpoint.open(output)
        try expectSameTensors(input, reread)
        #expect(reread.safetensorsFiles[0].metadata?.map(\.key) == ["format", "note"])
        #expect(reread.safetensorsFiles[0].metadata?.map(\.value) == ["pt", "every dtype"])
        #expect(reread.safetensorsFiles[0].headerLength % 8 == 0)
        // The reference writer lays tensors out widest dtype first, then by name.
        #expect(reread.tensors.first?.type.name == "U64")
        #expect(reread.tensors.last?.type.name == "BOOL")
    }

    @Test func readsShardedDirectory() throws {
        let checkpoint = try Checkpoint.open(Samples.url("formats/sharded").path)
        #expect(checkpoint.files.count == 2)
        #expect(checkpoint.architecture == "llama")
        #expect(Set(checkpoint.tensors.map(\.name)) == ["model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"])
        #expect(checkpoint.tensor(named: "lm_head.weight")?.fileIndex == 1)
        #expect(checkpoint.safetensorsIndex?.metadata["total_size"]?.number?.uint64 == 256)
    }

    @Test func writesShardsWithIndex() throws {
        let input = try Checkpoint.open(Samples.url("formats/sharded").path)
        let dir = try makeTemporaryDirectory("shards")
        defer { removeTemporaryDirectory(dir) }
        let names = try SafetensorsShards.write(writerTensors(input), metadata: [("format", "pt")], maxShardBytes: 100, to: dir.path)
        // 160 + 16 + 80 bytes with a 100-byte limit: the embedding alone, then norm and head together.
        #expect(names == ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", SafetensorsIndex.fileName])
        try Data("{}".utf8).write(to: dir.appendingPathComponent("config.json"))
        let reread = try Checkpoint.open(dir.path)
        try expectSameTensors(input, reread)
        #expect(reread.safetensorsIndex?.metadata["total_size"]?.number?.uint64 == 256)
        #expect(reread.tensor(named: "model.embed_tokens.weight")?.fileIndex == 0)
    }

    @Test(arguments: [
        ("../../x.safetensors", "is not a plain file name"),
        ("/etc/passwd", "is not a plain file name"),
        ("https://example.com/a.safetensors", "is not a plain file name"),
        ("model-00009-of-00009.safetensors", "does not exist"),
    ])
    func indexNamesAreChecked(_ shard: String, _ expected: String) throws {
        let dir = try copyOfSharded()
        defer { removeTemporaryDirectory(dir.deletingLastPathComponent()) }
        try writeIndex(
            dir,
            [
                "model.embed_tokens.weight": shard, "model.norm.weight": "model-00002-of-00002.safetensors",
                "lm_head.weight": "model-00002-of-00002.safetensors",
            ])
        try expectFailure(expected) { try Checkpoint.open(dir.path) }
    }

    @Test func indexMembershipIsChecked() throws {
        let dir = try copyOfSharded()
        defer { removeTemporaryDirectory(dir.deletingLastPathComponent()) }
        try writeIndex(
            dir, ["model.embed_tokens.weight": "model-00001-of-00002.safetensors", "model.norm.weight": "model-00002-of-00002.safetensors"])
        try expectFailure("lm_head.weight: tensor is not listed") { try Checkpoint.open(dir.path) }
        try writeIndex(
            dir,
            [
                "model.embed_tokens.weight": "model-00001-of-00002.safetensors", "model.norm.weight": "model-00001-of-00002.safetensors",
                "lm_head.weight": "model-00002-of-00002.safetensors",
            ])
        try expectFailure("model.norm.weight: tensor is listed in model-00001-of-00002.safetensors, not in this shard") {
            try Checkpoint.open(dir.path)
        }
        try writeIndex(
            dir,
            [
                "model.embed_tokens.weight": "model-00001-of-00002.safetensors", "model.norm.weight": "model-00002-of-00002.safetensors",
                "lm_head.weight": "model-00002-of-00002.safetensors", "ghost": "model-00001-of-00002.safetensors",
            ])
        try expectFailure("ghost: tensor is missing from its shard") { try Checkpoint.open(dir.path) }
    }

    /// A copy of `Samples/formats/sharded` at `TMP/ckpt-test-sharded-UUID/m`; the caller removes its parent.
    func copyOfSharded() throws -> URL {
        let parent = try makeTemporaryDirectory("sharded")
        let dir = parent.appendingPathComponent("m")
        do {
            try FileManager.default.copyItem(at: Samples.url("formats/sharded"), to: dir)
        } catch {
            removeTemporaryDirectory(parent)
            throw error
        }
        return dir
    }

    func writeIndex(_ dir: URL, _ map: [String: String]) throws {
        let body = map.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ")
        try Data((#"{"metadata": {}, "weight_map": {"# + body + "}}").utf8)
            .write(to: dir.appendingPathComponent(SafetensorsIndex.fileName))
    }
}

/// Writer inputs that copy every tensor of `checkpoint` unchanged.
func writerTensors(_ checkpoint: Checkpoint) throws -> [SafetensorsWriter.Tensor] {
    try checkpoint.tensors.map { tensor in
        guard case .safetensors(let dtype) = tensor.type else { throw FormatError(file: tensor.name, "not safetensors") }
        return try SafetensorsWriter.Tensor(
            name: tensor.name, dtype: dtype, shape: tensor.shape,
            source: .mapped(checkpoint.file(of: tensor), offset: tensor.offset))
    }
}

/// Same tensor names, types, shapes and bytes.
func expectSameTensors(_ a: Checkpoint, _ b: Checkpoint) throws {
    #expect(a.tensors.count == b.tensors.count)
    for tensor in a.tensors {
        let other = try #require(b.tensor(named: tensor.name))
        #expect(other.type == tensor.type && other.shape == tensor.shape, "\(tensor.name)")
        #expect(Array(try a.bytes(of: tensor)) == Array(try b.bytes(of: other)), "\(tensor.name)")
    }
}
