/// One segment of a precomputed table's row: what it holds, by the name FORMAT.md records it under,
/// and how many values wide it is. A row is a list of segments, so a layout other than layout
/// version 1's `[x | q | k | v]` is a new list (and, for a new kind, a new case), not a new format.
public struct TableSegment: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The residual stream attention is added to: the embedding row (serial blocks).
        case residual = "x"
        /// The residual stream with layer 0's FFN (and a folded attention-output bias) already added
        /// (parallel blocks).
        case residualWithFeedForward = "x+ffn"
        /// Pre-RoPE query, key and value.
        case q, k, v
    }

    public var kind: Kind
    public var width: Int

    public init(_ kind: Kind, width: Int) {
        self.kind = kind
        self.width = width
    }

    /// Layout version 1: `[x | q | k | v]` for serial blocks, `[x+ffn | q | k | v]` for parallel ones.
    public static func layout(parallel: Bool, hidden: Int, query: Int, keyValue: Int) -> [TableSegment] {
        [
            TableSegment(parallel ? .residualWithFeedForward : .residual, width: hidden), TableSegment(.q, width: query),
            TableSegment(.k, width: keyValue), TableSegment(.v, width: keyValue),
        ]
    }
}
