import CkptCompression
import CkptFormats
import CkptStorage

/// Reads f32 rows of a converted checkpoint's first-layer table, whether it is stored as a plain
/// tensor or as zstd frames of whole rows (FORMAT.md). A compressed row costs one frame's
/// decompression; the last frame is kept, so neighbouring rows come free. One reader per thread.
public final class TableRowReader {
    private enum Storage {
        case plain(TensorInfo)
        case frames(blob: UnsafeRawBufferPointer, offsets: [Int], compression: PrecomputedTable.Compression, zstd: Zstd)
    }

    private let model: Model
    private let storage: Storage
    private let type: TensorType
    private let rowWidth: Int
    private let rowBytes: Int
    private let file: String
    private var cachedFrame = -1
    /// The cached frame's rows, and the inflated bytes before unshuffling (both reused frame to frame).
    private var frame: [UInt8] = []
    private var shuffled: [UInt8] = []

    /// A reader for `model`'s table; fails when the model has none or its frame index is inconsistent.
    public init(model: Model) throws(ModelError) {
        let checkpoint = model.checkpoint
        guard let table = model.table else {
            throw ModelError(file: checkpoint.path, "has no precomputed first-layer table")
        }
        self.model = model
        rowWidth = table.rowWidth
        guard let compression = table.compression else {
            let tensor = try Self.tensor(PrecomputedTable.tensorName, in: checkpoint)
            storage = .plain(tensor)
            type = tensor.type
            file = checkpoint.files[tensor.fileIndex].path
            rowBytes = tensor.type.byteCount(elements: rowWidth) ?? 0
            return
        }
        let blobTensor = try Self.tensor(PrecomputedTable.framesTensorName, in: checkpoint)
        let offsetsTensor = try Self.tensor(PrecomputedTable.frameOffsetsTensorName, in: checkpoint)
        file = checkpoint.files[blobTensor.fileIndex].path
        guard let stored = table.storage.tensorType(in: checkpoint.format), let bytes = stored.byteCount(elements: rowWidth) else {
            throw ModelError(
                file: checkpoint.path,
                "table storage \(table.storage.rawValue) cannot hold rows of \(rowWidth) values in \(checkpoint.format.rawValue)")
        }
        type = stored
        rowBytes = bytes
        do {
            let blob = try checkpoint.bytes(of: blobTensor)
            let raw = try checkpoint.bytes(of: offsetsTensor)
            let offsets = (0..<(raw.count / 8)).map { Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
            guard offsets.first == 0, offsets.last == blob.count, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw FormatError(
                    file: file, "\(PrecomputedTable.frameOffsetsTensorName) must rise from 0 to the frames' \(blob.count) bytes")
            }
            storage = .frames(blob: blob, offsets: offsets, compression: compression, zstd: try Zstd())
        } catch let error as FormatError {
            throw ModelError(error)
        } catch {
            throw ModelError(file: file, "\(error)")
        }
    }

    private static func tensor(_ name: String, in checkpoint: Checkpoint) throws(ModelError) -> TensorInfo {
        guard let tensor = checkpoint.tensor(named: name) else {
            throw ModelError(file: checkpoint.path, "missing tensor \(name)")
        }
        return tensor
    }

    /// Row `token`, `rowWidth` values.
    public func row(_ token: Int) throws(ModelError) -> [Float] {
        let vocab = model.description.vocabSize
        guard (0..<vocab).contains(token) else {
            throw ModelError(file: file, "token id \(token) is outside the table's \(vocab) rows")
        }
        switch storage {
        case .plain(let tensor):
            do {
                return try model.checkpoint.floats(of: tensor, rows: token..<(token + 1))
            } catch {
                throw ModelError(error)
            }
        case .frames(let blob, let offsets, let compression, let zstd):
            let index = token / compression.frameRows
            if index != cachedFrame {
                try decompress(frame: index, blob: blob, offsets: offsets, compression: compression, zstd: zstd, vocab: vocab)
            }
            let start = (token - index * compression.frameRows) * rowBytes
            var values = [Float](repeating: 0, count: rowWidth)
            do {
                try frame.withUnsafeBytes { bytes in
                    try values.withUnsafeMutableBufferPointer { out in
                        try decodeFloats(
                            type, UnsafeRawBufferPointer(rebasing: bytes[start..<(start + rowBytes)]), into: out, file: file,
                            tensor: PrecomputedTable.framesTensorName)
                    }
                }
            } catch let error as FormatError {
                throw ModelError(error)
            } catch {
                throw ModelError(file: file, "\(error)")
            }
            return values
        }
    }

    /// The number of zstd frames of a compressed table (0 for a plain one).
    public var frameCount: Int {
        guard case .frames(_, let offsets, _, _) = storage else { return 0 }
        return offsets.count - 1
    }

    /// The stored bytes of frame `index` of a compressed table: its rows as the plain table holds them.
    public func frameBytes(_ index: Int) throws(ModelError) -> [UInt8] {
        guard case .frames(let blob, let offsets, let compression, let zstd) = storage, (0..<frameCount).contains(index) else {
            throw ModelError(file: file, "frame \(index) is not a frame of this table (\(frameCount) frames)")
        }
        if index != cachedFrame {
            try decompress(
                frame: index, blob: blob, offsets: offsets, compression: compression, zstd: zstd, vocab: model.description.vocabSize)
        }
        return frame
    }

    private func decompress(
        frame index: Int, blob: UnsafeRawBufferPointer, offsets: [Int], compression: PrecomputedTable.Compression, zstd: Zstd,
        vocab: Int
    ) throws(ModelError) {
        let rows = min(compression.frameRows, vocab - index * compression.frameRows)
        let compressed = UnsafeRawBufferPointer(rebasing: blob[offsets[index]..<offsets[index + 1]])
        let size = rows * rowBytes
        if frame.count != size { frame = [UInt8](repeating: 0, count: size) }
        cachedFrame = -1
        do {
            if compression.shufflePlanes > 1 {
                if shuffled.count != size { shuffled = [UInt8](repeating: 0, count: size) }
                try shuffled.withUnsafeMutableBytes { out in try zstd.decompress(compressed, into: out) }
                shuffled.withUnsafeBytes { source in
                    frame.withUnsafeMutableBytes { ByteShuffle.unshuffle(source, planes: compression.shufflePlanes, into: $0) }
                }
            } else {
                try frame.withUnsafeMutableBytes { out in try zstd.decompress(compressed, into: out) }
            }
        } catch {
            throw ModelError(file: file, "frame \(index) of \(PrecomputedTable.framesTensorName): \(error)")
        }
        cachedFrame = index
    }
}
