import CkptEngine
import CkptFormats
import CkptJSON
import CkptModels
import CkptStorage
import Foundation

/// `ckpt decompress INPUT OUTPUT`: turns a `--compress zstd` conversion into the plain one, byte for
/// byte what converting the original without `--compress` writes. A rewrite of the converted file:
/// the frame index and the frames give way to the plain table they hold (inflated frame by frame, the
/// stored bytes unchanged), and the recorded table description loses its compression.
public struct Decompressor {
    public let input: String
    public let output: String
    let overwrite: Bool
    let model: Model
    let table: PrecomputedTable

    /// Opens `input` and checks `output` as `convert` does (container, not the input, `--force`).
    public init(input: String, output: String, overwrite: Bool) throws {
        self.input = input
        self.output = output
        self.overwrite = overwrite
        model = try Model(Checkpoint.open(input))
        guard let table = model.table else { throw FormatError(file: input, "has no precomputed first-layer table") }
        guard table.compression != nil else { throw FormatError(file: input, "its table is not compressed: nothing to decompress") }
        self.table = table
        let source = model.checkpoint
        try OutputTarget(
            container: source.format == .gguf ? .ggufFile : .directory,
            inputs: [input] + source.files.map(\.path) + (source.configPath.map { [$0] } ?? []), overwrite: overwrite
        ).check(outputPaths)
    }

    /// The files (or directory) it writes: one per shard for a split GGUF.
    public var outputPaths: [String] {
        model.checkpoint.format == .gguf ? Checkpoint.ggufOutputPaths(output, count: model.checkpoint.files.count) : [output]
    }

    /// The table description of the plain conversion: no compression, options without `--compress`.
    var plainTable: PrecomputedTable {
        var plain = table
        plain.compression = nil
        plain.options = table.options.replacingOccurrences(of: #" --compress zstd:-?[0-9]+"#, with: "", options: .regularExpression)
        return plain
    }

    /// The bytes of the input's checkpoint files.
    public func inputBytes() throws -> Int { model.checkpoint.files.reduce(0) { $0 + $1.size } }

    /// Writes the plain conversion; returns the bytes of the checkpoint files written.
    public func run() throws -> Int {
        let source = model.checkpoint
        let plain = plainTable
        guard let type = plain.storage.tensorType(in: source.format) else {
            throw FormatError(file: input, "table storage \(plain.storage.rawValue) has no \(source.format.rawValue) tensor type")
        }
        let reader = try TableRowReader(model: model)
        let tableTensor = CheckpointRewrite.Tensor(
            name: PrecomputedTable.tensorName, shape: [model.description.vocabSize, plain.rowWidth], type: type,
            source: .producer { sink in
                for index in 0..<reader.frameCount { try sink.write(try reader.frameBytes(index)) }
            })
        var rewrite = CheckpointRewrite(source: source)
        rewrite.dropped = [PrecomputedTable.frameOffsetsTensorName, PrecomputedTable.framesTensorName]
        rewrite.added = [(tableTensor, .before(PrecomputedTable.frameOffsetsTensorName))]
        rewrite.removedMetadataPrefixes = [PrecomputedTable.ggufPrefix]
        rewrite.addedGGUFMetadata = plain.ggufMetadata
        rewrite.safetensorsMetadata = [(PrecomputedTable.configKey, JSONValue.object(plain.json).serialized())]
        rewrite.configChanges = [(PrecomputedTable.configKey, .object(plain.json))]
        switch source.format {
        case .gguf:
            return try rewrite.writeGGUF(to: outputPaths, overwrite: overwrite)
        case .safetensors:
            return try rewrite.writeDirectory(output, hardLink: false) { path in
                try OutputTarget.checkReplaceableDirectory(path, overwrite: overwrite)
            }
        }
    }
}
