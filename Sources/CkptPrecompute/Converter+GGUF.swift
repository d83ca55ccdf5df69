import CkptFormats
import CkptModels
import Foundation

extension Converter {
    /// GGUF output: metadata kept in order plus `ckpt.precompute.*`; tensors in source order with the
    /// embedding's place taken by the table; a tied head gets its own `output.weight`. A split source
    /// stays split: each shard keeps its tensors (the table and the head copy go where the embedding
    /// was) and gets its `split.*` keys rewritten; all shards are renamed into place at the end.
    func writeGGUF(_ layout: ConversionLayout, table: [ConversionLayout.TableTensor]) throws -> Int {
        var files: [OutputFile] = []
        for ((metadata, tensors), path) in zip(try layout.ggufFiles(table: table), outputPaths) {
            let file = try OutputFile(path: path, overwrite: options.overwrite)
            try GGUFWriter(metadata: metadata, tensors: tensors).write(to: file)
            files.append(file)
        }
        try OutputFile.commitAll(files)
        return files.reduce(0) { $0 + $1.position }
    }
}
