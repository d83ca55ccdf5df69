import CkptFormats
import CkptJSON
import CkptModels
import CkptPrecompute
import CkptStorage
import CkptTestSupport
import Foundation
import Testing

/// `--transformers-code` (docs/transformers.md): the Python file and config.json's `auto_map` beside an
/// unchanged conversion, and the refusals. Scripts/test-transformers-code runs the file in transformers.
@Suite(.removesTemporaryDirectories) struct TransformersCodeTests {
    /// Converts `Samples/tiny/SOURCE` into a new temporary directory (`out` inside it) and returns its path.
    static func convert(_ source: String, transformersCode: Bool = true, edit: (inout ConversionOptions) -> Void = { _ in }) throws
        -> String
    {
        let output = try makeScopedTemporaryDirectory("transformers-code").appendingPathComponent("out").path
        var options = ConversionOptions(threads: 2)
        options.tableType = .f32
        options.transformersCode = transformersCode
        edit(&options)
        _ = try Converter(input: Samples.url("tiny/\(source)").path, output: output, options: options).run()
        return output
    }

    static func config(_ directory: String) throws -> JSONObject {
        try #require(try JSONParser().parse(Data(contentsOf: URL(fileURLWithPath: directory + "/config.json"))).object)
    }

    /// The first `python3` on PATH, if any.
    static let python3: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        .map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(arguments: [("llama/hf-f32", "CkptLlamaForCausalLM"), ("gpt_neox/hf-f32", "CkptGPTNeoXForCausalLM")])
    func writesTheFileAndAutoMap(_ source: String, _ className: String) throws {
        let output = try Self.convert(source)
        let written = try Data(contentsOf: URL(fileURLWithPath: output + "/" + TransformersCode.fileName))
        #expect(written == Data(TransformersCode.modelingSource.utf8))
        #expect(TransformersCode.modelingSource.hasSuffix("\n"))
        let config = try Self.config(output)
        let autoMap = JSONValue.object(JSONObject([("AutoModelForCausalLM", .string("modeling_ckpt." + className))]))
        #expect(config["auto_map"] == autoMap)
        #expect(config["tie_word_embeddings"] == false)
        #expect(config[PrecomputedTable.configKey]?.object?["table_tensor"] == .string(PrecomputedTable.tensorName))
    }

    /// The tensors and their metadata are those of a conversion without the flag, byte for byte; only
    /// config.json gains `auto_map`. Converting again gives the same bytes, and `--force` replaces an output
    /// holding the file.
    @Test func changesNothingElseAndIsDeterministic() throws {
        let plain = try Self.convert("qwen3/hf-f32", transformersCode: false)
        let first = try Self.convert("qwen3/hf-f32")
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: plain + "/model.safetensors"))
                == Data(contentsOf: URL(fileURLWithPath: first + "/model.safetensors")))
        var config = try Self.config(first)
        config["auto_map"] = nil
        #expect(config == (try Self.config(plain)))
        var options = ConversionOptions(threads: 1)
        options.tableType = .f32
        options.transformersCode = true
        options.overwrite = true
        _ = try Converter(input: Samples.url("tiny/qwen3/hf-f32").path, output: first, options: options).run()
        let names = try FileManager.default.contentsOfDirectory(atPath: first).sorted()
        #expect(names == ["config.json", "model.safetensors", TransformersCode.fileName])
        #expect(try Self.config(first) == (try Self.config(Self.convert("qwen3/hf-f32"))))
    }

    @Test(arguments: [
        ("llama/model.gguf", "out.gguf", "needs a Hugging Face output"),
        ("deepseek_v2/hf-f32", "out", "does not support model_type 'deepseek_v2'"),
    ])
    func refusesWhatTransformersCannotLoad(_ source: String, _ name: String, _ message: String) throws {
        let output = try makeScopedTemporaryDirectory("transformers-code").appendingPathComponent(name).path
        var options = ConversionOptions(threads: 1)
        options.transformersCode = true
        let error = try #require(throws: FormatError.self) {
            try Converter(input: Samples.url("tiny/\(source)").path, output: output, options: options)
        }
        #expect(error.problem.contains(message), "\(error)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    /// The command line refuses in one line with exit status 2: a compressed table (naming `ckpt decompress`),
    /// a GGUF output, `--keep-original`.
    @Test(arguments: [
        ("llama/hf-f32", "out", ["--compress", "zstd"], "ckpt decompress"),
        ("llama/model.gguf", "out.gguf", [], "needs a Hugging Face output"),
        ("llama/hf-f32", "out", ["--keep-original"], "--keep-original"),
    ])
    func commandRefusesInOneLine(_ source: String, _ name: String, _ extra: [String], _ message: String) throws {
        let output = try makeScopedTemporaryDirectory("transformers-code").appendingPathComponent(name).path
        let run = try runCkpt(
            ["convert", Samples.url("tiny/\(source)").path, output, "--precompute-first-layer", "--transformers-code"] + extra)
        #expect(run.status == 2)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains(message), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    /// The file is valid Python (no torch needed to compile it).
    @Test(.enabled(if: python3 != nil, "needs python3 on PATH")) func fileCompiles() throws {
        let directory = try makeScopedTemporaryDirectory("transformers-code")
        let file = directory.appendingPathComponent(TransformersCode.fileName)
        try Data(TransformersCode.modelingSource.utf8).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.python3))
        process.arguments = [
            "-c", "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)", file.path,
            directory.appendingPathComponent("out.pyc").path,
        ]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
    }
}
