/// One segment of a precomputed table's row: what it holds, by the name FORMAT.md records it under,
/// and how many values wide it is. A row is a list of segments, so a layout other than layout
/// version 1's `[x | q | k | v]` is a new list (and, for a new kind, a new case), not a new format:
/// the MLA layout `[x | q | c_kv | k_pe]` is one (docs/formats.md, "Table layouts").
public struct TableSegment: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The residual stream attention is added to: the embedding row (serial blocks).
        case residual = "x"
        /// The residual stream with layer 0's FFN (and a folded attention-output bias) already added
        /// (parallel blocks).
        case residualWithFeedForward = "x+ffn"
        /// Pre-RoPE query, key and value.
        case q, k, v
        /// Multi-head latent attention's latent after `kv_a_layernorm`, shared by every head.
        case latent = "c_kv"
        /// Multi-head latent attention's single pre-RoPE key head `k_pe`, shared by every head.
        case keyRope = "k_pe"
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

    /// The MLA layout (serial blocks): `[x | q | c_kv | k_pe]`, q whole (every head's nope and pe parts)
    /// and pre-RoPE, the latent normalised, `kv_b` left to run time.
    public static func latentLayout(hidden: Int, query: Int, latent: Int, keyRope: Int) -> [TableSegment] {
        [
            TableSegment(.residual, width: hidden), TableSegment(.q, width: query), TableSegment(.latent, width: latent),
            TableSegment(.keyRope, width: keyRope),
        ]
    }

    /// The layout a conversion of `description` writes: MLA's for latent attention, else version 1's.
    public static func layout(for description: ModelDescription) -> [TableSegment] {
        let m = description
        if let mla = m.mla {
            return latentLayout(hidden: m.hiddenSize, query: m.qWidth, latent: mla.latentRank, keyRope: mla.ropeDim)
        }
        return layout(parallel: m.block != .serial, hidden: m.hiddenSize, query: m.qWidth, keyValue: m.kvWidth)
    }

    /// The segment kinds of every layout this ckpt runs, for a table of `block`.
    static func knownLayouts(block: PrecomputedTable.Block) -> [[Kind]] {
        switch block {
        case .serial: [[.residual, .q, .k, .v], [.residual, .q, .latent, .keyRope]]
        case .parallel: [[.residualWithFeedForward, .q, .k, .v]]
        }
    }
}

extension [TableSegment] {
    /// Values in one row: the segments' widths summed.
    public var rowWidth: Int { reduce(0) { $0 + $1.width } }
}
