import CkptEngine
import CkptFormats
import CkptKernels
import CkptModels
import CkptStorage

/// Computes the first-layer table: for every vocabulary entry, layer 0's token-local part
/// `[residual | q | k | v]`, through the very function the engine runs for layer 0
/// (`Engine.tokenLocal`), in chunks of rows computed concurrently and written in order.
/// Memory is bounded by `threads × chunkRows` rows, whatever the vocabulary.
struct FirstLayerTable {
    let engine: Engine
    let encoding: TableEncoding
    let threads: Int
    let chunkRows: Int
    /// Whether rows holding NaN or infinity are written rather than refused (`--allow-nonfinite`).
    let allowNonFinite: Bool

    var description: ModelDescription { engine.model.description }
    /// What a row holds: the layout for the model (`TableSegment.layout(for:)`).
    var segments: [TableSegment] { TableSegment.layout(for: description) }
    var width: Int { segments.rowWidth }

    /// The f32 rows for `tokens`, row-major `(tokens.count, width)`; a row holding NaN or infinity is
    /// refused, naming the table tensor and the token, unless `allowNonFinite`.
    func rows(_ tokens: Range<Int>) throws(ModelError) -> [Float] {
        let rows = try engine.tokenLocal(layer: 0, x: engine.embed(Array(tokens))).tableRows(count: tokens.count, segments: segments)
        if !allowNonFinite, let index = rows.firstIndex(where: { !$0.isFinite }) {
            let token = tokens.lowerBound + index / width
            throw ModelError(
                file: engine.model.checkpoint.path,
                "\(PrecomputedTable.tensorName): row \(token) holds \(rows[index]) at column \(index % width), "
                    + "not a finite number (--allow-nonfinite converts anyway)")
        }
        return rows
    }

    /// Multiply-adds ×2 of one table: the Q/K/V projections (MLA: q's and the latent's), and for parallel
    /// blocks the FFN (and router).
    var flops: Double {
        let m = description
        let d = Double(m.hiddenSize)
        var perRow = 2 * Double(AttentionWeightCounts(m).tokenLocal)
        if m.block != .serial {
            let ff = Double(m.feedForwardSize)
            let matrices: Double
            switch m.feedForward {
            case .gated: matrices = 3
            case .plain: matrices = 2
            }
            perRow += 2 * d * ff * matrices * Double(m.experts?.used ?? 1) + 2 * d * Double(m.experts?.count ?? 0)
        }
        return perRow * Double(m.vocabSize)
    }

    /// Writes the encoded table to `output`, compressed into zstd frames when `compression` is given,
    /// calling `progress(rowsDone, rowsTotal)` after each chunk. Chunks are computed on `threads`
    /// workers while the calling thread writes the finished ones in order. Returns the offsets of the
    /// frames in what was written (frames + 1 values from 0; with no compression, one frame per chunk).
    @discardableResult
    func write(to output: any ByteSink, compression: TableCompression? = nil, progress: ((Int, Int) -> Void)?) throws -> [Int64] {
        let vocab = description.vocabSize
        let rowsPerChunk = compression.map { (chunkRows + $0.frameRows - 1) / $0.frameRows * $0.frameRows } ?? chunkRows
        let chunks = stride(from: 0, to: vocab, by: rowsPerChunk).map { $0..<min(vocab, $0 + rowsPerChunk) }
        // One pool does the work: the workers run side by side, each GEMM single-threaded.
        let blasThreads = GEMM.threadCount
        GEMM.threadCount = 1
        defer { GEMM.threadCount = blasThreads }
        var offsets: [Int64] = [0]
        // More workers than chunks would idle; capping first keeps the lookahead's product small whatever --threads says.
        let workers = max(1, min(threads, chunks.count))
        try runOrderedPipeline(
            count: chunks.count, workers: workers, lookahead: 2 * workers,
            produce: { [self] index in
                let bytes = try encoding.encode(try rows(chunks[index]))
                return try compression?.frames(of: bytes, rows: chunks[index].count) ?? [bytes]
            },
            consume: { index, pieces in
                for piece in pieces {
                    try output.write(piece)
                    offsets.append(offsets.last! + Int64(piece.count))
                }
                progress?(chunks[index].upperBound, vocab)
            })
        return offsets
    }
}
