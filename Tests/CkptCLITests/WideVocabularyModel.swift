import CkptFormats
import CkptStorage
import CkptTestSupport
import Foundation

/// The tiny llama with a wide vocabulary (a random embedding and head), in one safetensors file or in
/// two shards: the embedding and layer 0 in the first, which a conversion rewrites, the rest in the
/// second, which it clones whole. Converting a few thousand rows takes about half a second in a debug
/// build, spread over the table, the copy, the clone and the rename, so a signal at a random time can
/// land in any of them; a few hundred thousand rows with zstd:19 take seconds.
enum WideVocabularyModel {
    static let shards = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]

    /// Writes the model directory `directory`: config.json and `model.safetensors`, or with `sharded`
    /// both shards and their index.
    static func write(to directory: String, vocabulary: Int, sharded: Bool = true) throws {
        let tiny = Samples.url("tiny/llama/hf-f32")
        let checkpoint = try Checkpoint.open(tiny.path)
        let files = sharded ? shards : ["model.safetensors"]
        var tensors = files.map { _ in [SafetensorsWriter.Tensor]() }
        var weightMap: [String: String] = [:]
        for tensor in checkpoint.tensors {
            let shard = !sharded || tensor.name == "model.embed_tokens.weight" || tensor.name.contains(".layers.0.") ? 0 : 1
            weightMap[tensor.name] = files[shard]
            tensors[shard].append(try widened(tensor, of: checkpoint, vocabulary: vocabulary))
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, fileTensors) in zip(files, tensors) {
            let file = try OutputFile(path: directory + "/" + name)
            try SafetensorsWriter(metadata: [("format", "pt")], tensors: fileTensors).write(to: file)
            try file.commit()
        }
        if sharded {
            let index = try JSONSerialization.data(withJSONObject: ["metadata": [String: String](), "weight_map": weightMap])
            try index.write(to: URL(fileURLWithPath: directory + "/model.safetensors.index.json"))
        }
        var config = try String(contentsOf: tiny.appendingPathComponent("config.json"), encoding: .utf8)
        config = config.replacingOccurrences(of: "\"vocab_size\": 300", with: "\"vocab_size\": \(vocabulary)")
        try config.write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
    }

    /// `tensor` as the wide model holds it: the embedding and the head `vocabulary` rows of seeded random
    /// values, any other tensor the tiny llama's own.
    private static func widened(_ tensor: TensorInfo, of checkpoint: Checkpoint, vocabulary: Int) throws -> SafetensorsWriter.Tensor {
        guard tensor.name == "model.embed_tokens.weight" || tensor.name == "lm_head.weight" else {
            return try SafetensorsWriter.Tensor(
                name: tensor.name, dtype: .f32, shape: tensor.shape, source: .mapped(checkpoint.file(of: tensor), offset: tensor.offset))
        }
        let width = tensor.shape[1]
        return try SafetensorsWriter.Tensor(
            name: tensor.name, dtype: .f32, shape: [vocabulary, width],
            source: .producer { sink in
                var generator = SplitMix64(seed: UInt64(tensor.name.count))
                for _ in 0..<vocabulary {
                    let row = (0..<width).map { _ in Float(generator.nextUnit() - 0.5) * 0.1 }
                    try sink.write(row.withUnsafeBytes { Array($0) })
                }
            })
    }

    /// The SHA-256 of every file in the output directory `output`, by name.
    static func hashes(of output: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: output) {
            result[name] = try sha256File(output + "/" + name)
        }
        return result
    }
}
