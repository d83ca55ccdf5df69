import CkptFormats
import CkptJSON
import CkptModels
import CkptStorage
import CkptTestSupport
import Foundation
import Testing

@Suite struct ModelDescriptionTests {
    func describe(_ json: String) throws -> ModelDescription {
        let object = try #require(try JSONParser().parse(Array(json.utf8)).object, "test config is not a JSON object")
        return try ModelDescription.huggingFace(ConfigReader(config: object, file: "config.json"))
    }

    let llama = #""model_type":"llama","hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":100"#

    @Test func readsPublishedSpellings() throws {
        // transformers 5 rope_parameters.
        let v5 = try describe("{\(llama),\"rope_parameters\":{\"rope_type\":\"default\",\"rope_theta\":500000.0}}")
        #expect(v5.rope.theta == 500000)
        // GPT-NeoX spellings.
        let neox = try describe(
            #"{"model_type":"gpt_neox","hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":100,"rotary_pct":0.25,"rotary_emb_base":20000,"layer_norm_eps":1e-5,"hidden_act":"gelu"}"#
        )
        #expect(neox.rope.dimensions == 4)
        #expect(neox.rope.theta == 20000)
        #expect(neox.block == .parallel(sharedNorm: false))
        #expect(neox.activation == .geluExact)
        #expect(neox.qkvLayout == .fusedPerHead)
        // GPT-J / Falcon old names.
        let gptj = try describe(
            #"{"model_type":"gptj","n_embd":64,"n_layer":3,"n_head":4,"vocab_size":100,"rotary_dim":8,"activation_function":"gelu_new"}"#)
        #expect(gptj.layerCount == 3 && gptj.hiddenSize == 64 && gptj.rope.dimensions == 8 && gptj.rope.style == .interleaved)
        #expect(gptj.feedForwardSize == 256)
        let falcon = try describe(
            #"{"model_type":"falcon","hidden_size":64,"num_hidden_layers":2,"n_head":4,"vocab_size":100,"multi_query":true}"#)
        #expect(falcon.kvHeadCount == 1)
        #expect(falcon.qkvLayout == .fused)
        let stablelm = try describe(
            #"{"model_type":"stablelm_epoch","hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":100,"rope_pct":0.25,"norm_eps":1e-5}"#
        )
        #expect(stablelm.family == "stablelm" && stablelm.rope.dimensions == 4 && stablelm.norm == .layer(eps: 1e-5, bias: true))
        // Gemma: (1 + w) norms, √d embedding scale.
        let gemma = try describe(
            #"{"model_type":"gemma","hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,"head_dim":32,"vocab_size":100}"#)
        #expect(gemma.norm == .rms(eps: 1e-5, weightOffset: 1))
        #expect(gemma.embeddingScale == 8)
        #expect(gemma.qWidth == 128)
        // Llama 3 scaling.
        let llama3 = try describe(
            "{\(llama),\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8,\"original_max_position_embeddings\":8192}}")
        #expect(llama3.rope.scaling == .llama3(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalContext: 8192))
    }

    @Test(arguments: [
        (#"{"model_type":"gpt2","n_embd":64}"#, "learned absolute position embeddings before layer 0"),
        (#"{"model_type":"opt"}"#, "cannot be precomputed"),
        (#"{"model_type":"bloom"}"#, "architecture bloom (BLOOM) positions tokens with ALiBi biases"),
        (#"{"model_type":"qwen3_next"}"#, "recurrent or linear-attention layer 0"),
        (#"{"model_type":"t5"}"#, "architecture t5 (T5) is an encoder-decoder model"),
        (#"{"model_type":"mamba_ssm"}"#, "unsupported architecture mamba_ssm (supported: llama"),
        (#"{"hidden_size":64}"#, "config.json has no model_type"),
        (#"{"model_type":"llama","hidden_size":64,"num_hidden_layers":2,"num_attention_heads":5,"vocab_size":100}"#, "not divisible"),
        (
            #"{"model_type":"llama","hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":100,"rope_scaling":{"rope_type":"ntk-by-parts","factor":4}}"#,
            "rope scaling type \"ntk-by-parts\" is not supported (linear, llama3, yarn, longrope, dynamic are)"
        ),
        (
            #"{"model_type":"llama","hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":100,"hidden_act":"relu2"}"#,
            "activation \"relu2\" is not supported"
        ),
        (#"{"model_type":"llama","hidden_size":"64"}"#, "hidden_size must be an integer"),
        (
            #"{"model_type":"llama","hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":-1}"#,
            "vocab_size is -1, outside"
        ),
        (#"{"model_type":"falcon","hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":100,"alibi":true}"#, "ALiBi"),
    ])
    func rejectsWithAReason(_ json: String, _ fragment: String) throws {
        do {
            _ = try describe(json)
            Issue.record("accepted \(json)")
        } catch let error as ModelError {
            #expect(error.description.contains(fragment), "\(error)")
            #expect(error.description.hasPrefix("config.json: "))
        }
    }

    @Test func missingAndMisshapedTensorsAreNamed() throws {
        let dir = try makeTemporaryDirectory("model-check")
        defer { removeTemporaryDirectory(dir) }
        let source = Samples.url("tiny/llama/hf-f32")
        let input = try Checkpoint.open(source.path)
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: dir.appendingPathComponent("config.json"))
        // Drop one tensor.
        var tensors = try input.tensors.filter { $0.name != "model.layers.1.mlp.up_proj.weight" }.map { tensor in
            try SafetensorsWriter.Tensor(
                name: tensor.name, dtype: .f32, shape: tensor.shape, source: .mapped(input.file(of: tensor), offset: tensor.offset))
        }
        try write(tensors, to: dir)
        #expect(throws: ModelError(file: dir.path, "missing tensor model.layers.1.mlp.up_proj.weight")) {
            try Model(Checkpoint.open(dir.path))
        }
        // Give one tensor the wrong shape (same bytes, transposed claim).
        tensors = try input.tensors.map { tensor in
            let shape = tensor.name == "model.layers.0.self_attn.k_proj.weight" ? [32, 16] : tensor.shape
            return try SafetensorsWriter.Tensor(
                name: tensor.name, dtype: .f32, shape: shape, source: .mapped(input.file(of: tensor), offset: tensor.offset))
        }
        try write(tensors, to: dir)
        let shard = dir.appendingPathComponent("model.safetensors").path
        #expect(throws: ModelError(file: shard, "tensor model.layers.0.self_attn.k_proj.weight has shape [32, 16], expected [16, 32]")) {
            try Model(Checkpoint.open(dir.path))
        }
    }

    func write(_ tensors: [SafetensorsWriter.Tensor], to dir: URL) throws {
        let output = try OutputFile(path: dir.appendingPathComponent("model.safetensors").path, overwrite: true)
        try SafetensorsWriter(metadata: [("format", "pt")], tensors: tensors).write(to: output)
        try output.commit()
    }

    @Test func tiedHeadIsDecidedByTensors() throws {
        let tied = try Model(Checkpoint.open(Samples.url("tiny/llama-tied-llama3/hf-f32").path))
        #expect(tied.description.tiedHead)
        let untied = try Model(Checkpoint.open(Samples.url("tiny/llama/model.gguf").path))
        #expect(!untied.description.tiedHead)
        #expect(untied.description.rope.style == .interleaved)
    }
}

/// docs/formats.md, "Hostile inputs" row 15: standard keys with the wrong type are refused by the typed getters.
@Suite struct GGUFMetadataTypeTests {
    func describe(_ entries: [GGUFKeyValue]) throws(ModelError) -> ModelDescription {
        try ModelDescription.gguf(
            ConfigReader(gguf: entries, architecture: "llama", file: "m.gguf"), architecture: "llama", embeddingRows: 10)
    }

    let base: [GGUFKeyValue] = [
        GGUFKeyValue("llama.embedding_length", .uint32(64)), GGUFKeyValue("llama.block_count", .uint32(2)),
        GGUFKeyValue("llama.attention.head_count", .uint32(4)),
    ]

    @Test func acceptsAnyIntegerWidth() throws {
        let d = try describe([
            GGUFKeyValue("llama.embedding_length", .uint64(64)), GGUFKeyValue("llama.block_count", .int32(2)),
            GGUFKeyValue("llama.attention.head_count", .uint8(4)),
        ])
        #expect(d.hiddenSize == 64 && d.layerCount == 2 && d.headCount == 4 && d.rope.style == .interleaved && d.rope.theta == 10000)
    }

    @Test func refusesWrongTypesAndRanges() {
        #expect(throws: ModelError(file: "m.gguf", "llama.block_count must be an integer")) {
            try describe([base[0], GGUFKeyValue("llama.block_count", .string("2")), base[2]])
        }
        #expect(throws: ModelError(file: "m.gguf", "llama.attention.head_count is 0, outside 1 to 65536")) {
            try describe([base[0], base[1], GGUFKeyValue("llama.attention.head_count", .uint32(0))])
        }
        #expect(throws: ModelError(file: "m.gguf", "llama.rope.freq_base must be a finite number")) {
            try describe(base + [GGUFKeyValue("llama.rope.freq_base", .float32(.nan))])
        }
        #expect(throws: ModelError(file: "m.gguf", "missing required setting llama.block_count")) {
            try describe([base[0], base[2]])
        }
        #expect(throws: ModelError(file: "m.gguf", "rope scaling type \"ntk\" is not supported (none, linear, yarn are)")) {
            try describe(base + [GGUFKeyValue("llama.rope.scaling.type", .string("ntk"))])
        }
        #expect(throws: ModelError(file: "m.gguf", "missing required setting llama.rope.scaling.original_context_length")) {
            try describe(
                base + [GGUFKeyValue("llama.rope.scaling.type", .string("yarn")), GGUFKeyValue("llama.rope.scaling.factor", .float32(4))])
        }
    }
}
