import CkptFormats
import CkptStorage
import CkptTestSupport
import Foundation
import Testing

@Suite struct GGUFTests {
    @Test func readsEveryValueType() throws {
        let checkpoint = try Checkpoint.open(Samples.url("formats/kv-types.gguf").path)
        let file = checkpoint.ggufFiles[0]
        #expect(file.version == 3)
        #expect(file.alignment == 32)
        #expect(file["general.architecture"] == .string("llama"))
        #expect(file["test.u8"] == .uint8(200))
        #expect(file["test.i8"] == .int8(-100))
        #expect(file["test.u16"] == .uint16(60000))
        #expect(file["test.i16"] == .int16(-30000))
        #expect(file["test.u32"] == .uint32(4_000_000_000))
        #expect(file["test.i32"] == .int32(-2_000_000_000))
        #expect(file["test.f32"] == .float32(0.15625))
        #expect(file["test.bool"] == .bool(true))
        #expect(file["test.string"] == .string("héllo wörld"))
        #expect(file["test.u64"] == .uint64(.max))
        #expect(file["test.i64"] == .int64(.min))
        #expect(file["test.f64"] == .float64(2.718281828459045))
        #expect(file["test.strings"]?.array?.strings() == ["a", "", "ünïcode", "tab\there"])
        #expect(file["test.ints"]?.array?.integers() == [1, 2, 3, -4])
        #expect(file["test.floats"]?.array?.numbers() == [0.5, -1.25, 3.0])
        #expect(file["test.bools"]?.array?.elementType == .bool)
        #expect(file["tokenizer.ggml.tokens"]?.array?.count == 20)
        #expect(file["llama.context_length"]?.integer == 64)
    }

    @Test func tensorTableMatchesGGUFPy() throws {
        // gguf-py's GGUFReader reports (ne order) f32 [5,3], f16 [7,2], bf16 [8,4], q8_0 [64,2], scalar [1].
        let checkpoint = try Checkpoint.open(Samples.url("formats/kv-types.gguf").path)
        #expect(checkpoint.tensors.map(\.name) == ["f32.weight", "f16.weight", "bf16.weight", "q8_0.weight", "scalar"])
        #expect(checkpoint.tensors.map(\.type.name) == ["F32", "F16", "BF16", "Q8_0", "F32"])
        #expect(checkpoint.tensors.map(\.shape) == [[3, 5], [2, 7], [4, 8], [2, 64], [1]])
        #expect(checkpoint.tensors.map(\.offset) == [1248, 1312, 1344, 1408, 1568])
        #expect(try checkpoint.floats(of: checkpoint.tensors[4]) == [7])
        let aligned = try Checkpoint.open(Samples.url("formats/aligned64.gguf").path)
        #expect(aligned.ggufFiles[0].alignment == 64)
        #expect(aligned.tensors.map(\.offset) == [1280, 1344, 1408, 1472, 1664])
    }

    @Test(arguments: ["formats/kv-types.gguf", "formats/aligned64.gguf"])
    func roundTripIsByteIdentical(_ sample: String) throws {
        let url = Samples.url(sample)
        let dir = try makeTemporaryDirectory("gguf-round-trip")
        defer { removeTemporaryDirectory(dir) }
        let output = dir.appendingPathComponent("out.gguf").path
        try rewriteUnchanged(url.path, to: output)
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == Data(contentsOf: url))
    }

    @Test(.requiresSmolLM2) func smolLM2RoundTripIsByteIdentical() throws {
        let path = try requireSmolLM2Path()
        let dir = try makeTemporaryDirectory("gguf-smol-round-trip")
        defer { removeTemporaryDirectory(dir) }
        let output = dir.appendingPathComponent("smol.gguf").path
        try rewriteUnchanged(path, to: output)
        #expect(try sha256File(output) == sha256File(path))
    }

    @Test func splitFilesReadAsOneModel() throws {
        let dir = try makeTemporaryDirectory("split")
        defer { removeTemporaryDirectory(dir) }
        let names = ["m-00001-of-00002.gguf", "m-00002-of-00002.gguf"]
        try writeSplit(dir: dir, names: names, splitNumbers: [0, 1], tensorsCount: 2)
        for name in names {
            let checkpoint = try Checkpoint.open(dir.appendingPathComponent(name).path)
            #expect(checkpoint.tensors.map(\.name) == ["a", "b"])
            #expect(checkpoint.tensors.map(\.fileIndex) == [0, 1])
            #expect(try checkpoint.floats(of: checkpoint.tensors[1]) == [0, 1, 2, 3])
        }
    }

    @Test func splitFilesAreChecked() throws {
        let dir = try makeTemporaryDirectory("split-bad")
        defer { removeTemporaryDirectory(dir) }
        try writeSplit(dir: dir, names: ["x-00001-of-00002.gguf", "x-00002-of-00002.gguf"], splitNumbers: [0, 0], tensorsCount: 2)
        try expectFailure("split.no is 0, expected 1") { try Checkpoint.open(dir.appendingPathComponent("x-00001-of-00002.gguf").path) }
        try writeSplit(dir: dir, names: ["y-00001-of-00002.gguf", "y-00002-of-00002.gguf"], splitNumbers: [0, 1], tensorsCount: 3)
        try expectFailure("split.tensors.count is 3, the shards hold 2") {
            try Checkpoint.open(dir.appendingPathComponent("y-00001-of-00002.gguf").path)
        }
        try expectFailure("no such file") { try Checkpoint.open(dir.appendingPathComponent("z-00001-of-00002.gguf").path) }
        try writeSplit(
            dir: dir, names: ["w-00001-of-00002.gguf", "w-00002-of-00002.gguf"], splitNumbers: [0, 1], tensorsCount: 2, sameName: true)
        try expectFailure("b: tensor appears twice") { try Checkpoint.open(dir.appendingPathComponent("w-00001-of-00002.gguf").path) }
    }

    @Test func shrinkingFileIsDetected() throws {
        let dir = try makeTemporaryDirectory("shrink")
        defer { removeTemporaryDirectory(dir) }
        let path = dir.appendingPathComponent("shrink.gguf").path
        try Data(RawGGUF.minimal(elements: 64)).write(to: URL(fileURLWithPath: path))
        let checkpoint = try Checkpoint.open(path)
        truncate(path, 40)
        try expectFailure("file shrank from") { try checkpoint.floats(of: checkpoint.tensors[0]) }
    }

    /// Writes `names.count` shards with one F32 tensor each ("a", "b"; "b", "b" when `sameName`).
    func writeSplit(dir: URL, names: [String], splitNumbers: [UInt16], tensorsCount: Int32, sameName: Bool = false) throws {
        for (position, name) in names.enumerated() {
            var g = RawGGUF()
            g.header(tensors: 1, kvs: 3)
            g.string("split.no")
            g.u32(2)
            g.raw(withUnsafeBytes(of: splitNumbers[position].littleEndian) { Array($0) })
            g.string("split.count")
            g.u32(2)
            g.raw(withUnsafeBytes(of: UInt16(names.count).littleEndian) { Array($0) })
            g.string("split.tensors.count")
            g.u32(5)
            g.u32(UInt32(bitPattern: tensorsCount))
            g.tensorInfo(sameName ? "b" : ["a", "b"][position], dims: [4], type: 0, offset: 0)
            g.pad()
            for i in 0..<4 { g.u32(Float(i).bitPattern) }
            g.pad()
            try Data(g.bytes).write(to: dir.appendingPathComponent(name))
        }
    }
}

/// Reads `input` and writes it back with nothing changed.
func rewriteUnchanged(_ input: String, to output: String) throws {
    let checkpoint = try Checkpoint.open(input)
    let file = checkpoint.ggufFiles[0]
    let tensors = try file.tensors.map { tensor in
        try GGUFWriter.Tensor(
            name: tensor.name, dimensions: tensor.dimensions, type: tensor.type,
            source: .mapped(checkpoint.files[0], offset: file.dataOffset + tensor.offset))
    }
    let out = try OutputFile(path: output)
    try GGUFWriter(metadata: file.metadata, tensors: tensors).write(to: out)
    try out.commit()
}

/// Expects `body` to throw a `FormatError` whose text contains `fragment`.
func expectFailure<T>(_ fragment: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T) throws {
    do {
        _ = try body()
        Issue.record("expected an error containing \"\(fragment)\"", sourceLocation: sourceLocation)
    } catch let error as FormatError {
        #expect(error.description.contains(fragment), "\(error)", sourceLocation: sourceLocation)
    }
}
