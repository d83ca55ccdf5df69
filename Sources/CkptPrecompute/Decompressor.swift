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
    let model: Model
    let target: OutputTarget
    let table: PrecomputedTable

    /// Opens `input` and checks `output` as `convert` does (container, not the input, `--force`).
    public init(input: String, output: String, overwrite: Bool) throws {
        self.input = input
        self.output = output
        model = try Model(Checkpoint.open(input))
        guard let table = model.table else { throw FormatError(file: input, "has no precomputed first-layer table") }
        guard table.compression != nil else { throw FormatError(file: input, "its table is not compressed: nothing to decompress") }
        self.table = table
        target = OutputTarget(source: model.checkpoint, input: input, output: output, overwrite: overwrite)
        try target.check()
    }

    /// The files (or directory) it writes: one per shard for a split GGUF.
    public var outputPaths: [String] { target.paths }

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
        return try target.write(rewrite, hardLink: false)
    }
}
