import CkptEngine
import CkptFormats
import CkptKernels
import CkptModels
import Dispatch
import Foundation

/// Computes the first-layer table: for every vocabulary entry, layer 0's token-local part
/// `[residual | q | k | v]`, through the very function the engine runs for layer 0
/// (`Engine.tokenLocal`), in chunks of rows computed concurrently and written in order.
/// Memory is bounded by `threads × chunkRows` rows, whatever the vocabulary.
struct FirstLayerTable {
    let engine: Engine
    let encoding: TableEncoding
    let threads: Int
    let chunkRows: Int

    var description: ModelDescription { engine.model.description }
    var width: Int { description.hiddenSize + description.qWidth + 2 * description.kvWidth }

    /// The f32 rows for `tokens`, row-major `(tokens.count, width)`.
    func rows(_ tokens: Range<Int>) throws(ModelError) -> [Float] {
        let m = description
        let local = try engine.tokenLocal(layer: 0, x: engine.embed(Array(tokens)))
        let (d, q, kv) = (m.hiddenSize, m.qWidth, m.kvWidth)
        var out = [Float]()
        out.reserveCapacity(tokens.count * width)
        for r in 0..<tokens.count {
            out += local.residual[(r * d)..<((r + 1) * d)]
            out += local.q[(r * q)..<((r + 1) * q)]
            out += local.k[(r * kv)..<((r + 1) * kv)]
            out += local.v[(r * kv)..<((r + 1) * kv)]
        }
        return out
    }

    /// Multiply-adds ×2 of one table: the Q/K/V projections, and for parallel blocks the FFN (and router).
    var flops: Double {
        let m = description
        let d = Double(m.hiddenSize)
        var perRow = 2 * d * Double(m.qWidth + 2 * m.kvWidth)
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

    /// Writes the encoded table to `output`, calling `progress(rowsDone, rowsTotal)` after each window.
    func write(to output: any ByteSink, progress: ((Int, Int) -> Void)?) throws {
        let vocab = description.vocabSize
        let chunks = stride(from: 0, to: vocab, by: chunkRows).map { $0..<min(vocab, $0 + chunkRows) }
        // One pool does the work: Dispatch runs chunks side by side, each GEMM single-threaded.
        let blasThreads = GEMM.threadCount
        GEMM.threadCount = 1
        defer { GEMM.threadCount = blasThreads }
        var next = 0
        while next < chunks.count {
            let window = Array(chunks[next..<min(chunks.count, next + threads)])
            let results = ChunkResults(count: window.count)
            DispatchQueue.concurrentPerform(iterations: window.count) { i in
                results.set(i, Result { try encoding.encode(try rows(window[i])) })
            }
            for result in results.all { try output.write(try result.get()) }
            next += window.count
            progress?(window.last!.upperBound, vocab)
        }
    }
}

/// Results of one window of chunks, filled from several threads.
private final class ChunkResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<[UInt8], Error>?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<[UInt8], Error>) { lock.withLock { results[index] = result } }

    var all: [Result<[UInt8], Error>] { lock.withLock { results.map { $0! } } }
}
