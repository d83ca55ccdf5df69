import CkptFormats
import CkptJSON
import CkptModels
import CkptPrecompute
import CkptTestSupport
import Foundation
import Testing

/// `ckpt decompress` turns a `--compress zstd` conversion into exactly the bytes a plain conversion
/// writes: every table type, GGUF and Hugging Face, a split GGUF and a sharded checkpoint.
@Suite(.removesTemporaryDirectories) struct DecompressTests {
    /// Converts `input` plainly and with `--compress zstd:LEVEL`, decompresses the latter, and expects
    /// every file of the two plain outputs to be identical.
    func expectDecompressedIsPlain(_ input: String, _ type: ConversionOptions.TableType, gguf: Bool, level: Int32 = 3) throws {
        let dir = try makeScopedTemporaryDirectory("decompress")
        func path(_ name: String) -> String { dir.appendingPathComponent(gguf ? name + ".gguf" : name).path }
        var options = ConversionOptions(threads: 2)
        options.tableType = type
        options.chunkRows = 64
        _ = try Converter(input: input, output: path("plain"), options: options).run()
        options.compressionLevel = level
        _ = try Converter(input: input, output: path("packed"), options: options).run()
        // A split output is opened from its first shard, the path convert reports.
        let packed = try #require(try outputFiles(dir, prefix: "packed").first.map { gguf ? $0.path : path("packed") })
        let written = try Decompressor(input: packed, output: path("unpacked"), overwrite: false).run()
        let plainFiles = try outputFiles(dir, prefix: "plain")
        let unpackedFiles = try outputFiles(dir, prefix: "unpacked")
        #expect(plainFiles.map(\.name) == unpackedFiles.map(\.name), "\(input) \(type)")
        for (plain, unpacked) in zip(plainFiles, unpackedFiles) {
            #expect(FileManager.default.contentsEqual(atPath: plain.path, andPath: unpacked.path), "\(input) \(type): \(plain.name)")
        }
        #expect(written > 0)
    }

    /// The files an output consists of, by name relative to its own name (`plain-00001-of-00003.gguf`
    /// → `-00001-of-00003.gguf`; a directory's entries), sorted.
    func outputFiles(_ dir: URL, prefix: String) throws -> [(name: String, path: String)] {
        let directory = dir.appendingPathComponent(prefix)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue {
            return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().map {
                ($0, directory.appendingPathComponent($0).path)
            }
        }
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(prefix) }.sorted().map {
            (String($0.dropFirst(prefix.count)), dir.appendingPathComponent($0).path)
        }
    }

    @Test(arguments: [ConversionOptions.TableType.f32, .f16, .bf16, .q8_0])
    func ggufTables(_ type: ConversionOptions.TableType) throws {
        try expectDecompressedIsPlain(Samples.url("tiny/llama/model.gguf").path, type, gguf: true)
        // A tied head (its own copy at the end of the file) and a parallel block with a fused FFN.
        try expectDecompressedIsPlain(Samples.url("tiny/llama-tied-llama3/model.gguf").path, type, gguf: true)
        try expectDecompressedIsPlain(Samples.url("tiny/gpt_neox/model.gguf").path, type, gguf: true, level: 19)
    }

    @Test(arguments: [ConversionOptions.TableType.f32, .f16, .bf16])
    func huggingFaceTables(_ type: ConversionOptions.TableType) throws {
        try expectDecompressedIsPlain(Samples.url("tiny/llama/hf-f32").path, type, gguf: false)
        try expectDecompressedIsPlain(Samples.url("tiny/llama-tied-llama3/hf-bf16").path, type, gguf: false)
    }

    @Test func splitAndShardedSources() throws {
        try expectDecompressedIsPlain(try SplitGGUFConversionTests.splitLlama(), .f16, gguf: true)
        try expectDecompressedIsPlain(try ShardedConversionTests.shardedLlama().path, .bf16, gguf: false)
    }

    @Test func commandLine() throws {
        let dir = try makeScopedTemporaryDirectory("decompress-cli")
        let source = Samples.url("tiny/llama/model.gguf").path
        let packed = dir.appendingPathComponent("packed.gguf").path
        let plain = dir.appendingPathComponent("plain.gguf").path
        var run = try runCkpt(["convert", source, packed, "--precompute-first-layer", "--compress", "zstd"])
        #expect(run.status == 0, "\(run.stderr)")
        run = try runCkpt(["decompress", packed, plain, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let root = try #require(try JSONParser().parse(Array(run.stdout.utf8)).object)
        #expect(root["output_bytes"]?.number?.int64 == Int64(try FileManager.default.attributesOfItem(atPath: plain)[.size] as! Int))
        run = try runCkpt(["validate", source, plain])
        #expect(run.status == 0, "\(run.stdout)")
        // A plain table has nothing to decompress; the output is checked as convert checks it.
        run = try runCkpt(["decompress", plain, dir.appendingPathComponent("again.gguf").path])
        #expect(run.status == 2)
        #expect(run.stderr == "ckpt: error: \(plain): its table is not compressed: nothing to decompress\n")
        run = try runCkpt(["decompress", packed, plain])
        #expect(run.stderr == "ckpt: error: \(plain): already exists (use --force to replace it)\n")
        run = try runCkpt(["decompress", packed, dir.appendingPathComponent("out").path])
        #expect(run.stderr.contains("give OUTPUT a .gguf name"))
    }
}
