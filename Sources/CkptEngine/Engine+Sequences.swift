import CkptKernels
import CkptModels

extension Engine {
    /// The row ranges of the sequences stacked back to back in `positions`, each starting at position 0.
    static func sequenceRanges(_ positions: [Int]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        for i in positions.indices.dropFirst() where positions[i] == 0 {
            ranges.append(start..<i)
            start = i
        }
        if start < positions.count { ranges.append(start..<positions.count) }
        return ranges
    }

    /// Applies `rope` to `x (rows, heads·headDim)` (as `RotaryEmbedding.apply`), each stacked sequence
    /// with the embedding its own length gives: dynamic NTK and LongRoPE depend on the length.
    func rotate(_ x: UnsafeMutablePointer<Float>, rope: ModelDescription.Rope, heads: Int, headDim: Int, positions: [Int]) {
        for range in Self.sequenceRanges(positions) {
            let sequence = Array(positions[range])
            RotaryEmbedding(rope, sequenceLength: (sequence.max() ?? 0) + 1).apply(
                x + range.lowerBound * heads * headDim, rows: range.count, heads: heads, headDim: headDim, positions: sequence)
        }
    }
}
