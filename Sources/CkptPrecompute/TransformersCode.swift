import CkptFormats
import CkptJSON
import CkptStorage

/// `--transformers-code`: the Python file and config.json entry that let transformers load a Hugging
/// Face conversion with `AutoModelForCausalLM.from_pretrained(dir, trust_remote_code=True)`
/// (docs/transformers.md). The file (`modelingSource`) is the same for every family; config.json's
/// `auto_map` names its class for the source's `model_type`, transformers' own `*ForCausalLM` with
/// layer 0 read from the table.
public struct TransformersCode: Sendable {
    /// The file written beside config.json.
    public static let fileName = "modeling_ckpt.py"

    /// config.json `model_type` → the transformers class the Python file wraps: the families whose
    /// layer-0 modules it knows how to replace, each checked against transformers by
    /// `Scripts/test-transformers-code`. Multi-head latent attention (DeepSeek) is not among them.
    public static let wrappedClasses: KeyValuePairs<String, String> = [
        "cohere": "CohereForCausalLM",
        "exaone4": "Exaone4ForCausalLM",
        "falcon": "FalconForCausalLM",
        "gemma": "GemmaForCausalLM",
        "gemma2": "Gemma2ForCausalLM",
        "gemma3_text": "Gemma3ForCausalLM",
        "glm4": "Glm4ForCausalLM",
        "gpt_neox": "GPTNeoXForCausalLM",
        "gpt_oss": "GptOssForCausalLM",
        "gptj": "GPTJForCausalLM",
        "granite": "GraniteForCausalLM",
        "llama": "LlamaForCausalLM",
        "llama4_text": "Llama4ForCausalLM",
        "mistral": "MistralForCausalLM",
        "mixtral": "MixtralForCausalLM",
        "olmo2": "Olmo2ForCausalLM",
        "olmo3": "Olmo3ForCausalLM",
        "phi": "PhiForCausalLM",
        "phi3": "Phi3ForCausalLM",
        "qwen2": "Qwen2ForCausalLM",
        "qwen3": "Qwen3ForCausalLM",
        "qwen3_moe": "Qwen3MoeForCausalLM",
        "smollm3": "SmolLM3ForCausalLM",
        "stablelm": "StableLmForCausalLM",
        "starcoder2": "Starcoder2ForCausalLM",
    ]

    /// The class config.json's `auto_map` names: `Ckpt` + the wrapped class.
    public let className: String

    /// The code for converting `source` with `options`; throws, naming `output`, when transformers
    /// could not load the result through it: a GGUF conversion, a compressed table (transformers
    /// cannot read zstd frames; `ckpt decompress` restores the plain table), `--keep-original` (stock
    /// transformers loads that already), or a `model_type` the file does not wrap.
    init(source: Checkpoint, options: ConversionOptions, output: String) throws(FormatError) {
        guard source.format != .gguf else {
            throw FormatError(file: output, "--transformers-code needs a Hugging Face output; a GGUF file cannot carry Python code")
        }
        guard options.compressionLevel == nil else {
            throw FormatError(
                file: output,
                "--transformers-code needs a plain table; convert without --compress (ckpt decompress turns a compressed conversion back into one)"
            )
        }
        guard !options.keepOriginal else {
            throw FormatError(
                file: output,
                "--transformers-code replaces layer 0 by the table; with --keep-original stock transformers loads the output as it is")
        }
        let modelType = source.config?["model_type"]?.string ?? ""
        guard let wrapped = Self.wrappedClasses.first(where: { $0.key == modelType })?.value else {
            throw FormatError(
                file: output,
                "--transformers-code does not support model_type '\(modelType)'; it supports "
                    + Self.wrappedClasses.map(\.key).joined(separator: ", "))
        }
        className = "Ckpt" + wrapped
    }

    /// config.json's `auto_map`: AutoModelForCausalLM → the class in the file (any other entry of the
    /// source's `auto_map` named code that is not copied, so the object is replaced whole).
    var autoMap: JSONValue {
        .object(JSONObject([("AutoModelForCausalLM", .string(Self.fileName.dropLast(3) + "." + className))]))
    }

    /// Adds the file and `auto_map` to `rewrite`.
    func apply(to rewrite: inout CheckpointRewrite) {
        rewrite.configChanges.append(("auto_map", autoMap))
        rewrite.addedFiles.append((Self.fileName, Array(Self.modelingSource.utf8)))
    }
}
