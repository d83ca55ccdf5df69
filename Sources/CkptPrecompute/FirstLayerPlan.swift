import CkptFormats
import CkptModels

/// The paper's analysis of precomputing the first layer (docs/paper-formulas.md), for one model:
/// weights eliminated, first-layer reads per batch with and without the table, and the memory change.
///
/// Figures follow the paper's convention: weight matrices only; layer-0 biases, norm weights and the
/// MoE router are left out (they are reported separately as `exactEliminated` when the tensors are known).
public struct FirstLayerPlan: Sendable {
    public let description: ModelDescription
    /// Whether the analysis treats the model as if its blocks were parallel (the paper's hypothetical Mixtral).
    public let assumeParallel: Bool
    /// `d + q width + 2·kv width`: one table row (`2(d+e)` when the Q width is d); with multi-head latent
    /// attention `d + q width + kv_lora_rank + qk_rope_head_dim` (docs/formats.md, "Table layouts").
    public let tableWidth: Int
    /// Q and output-projection weights of one layer (`2·d·qWidth`; MLA: q's factors or projection, and the
    /// output projection from `heads·v_head_dim`).
    public let queryAndOutputWeightsPerLayer: Int
    /// K and V weights of one layer (`2·d·e`; MLA: `kv_a_proj_with_mqa` and `kv_b_proj`).
    public let keyValueWeightsPerLayer: Int
    /// FFN matrices of layer 0, all experts and a shared one (router excluded); models whose first layers
    /// are dense (DeepSeek) count each layer's own in `modelWeights`.
    public let feedForwardWeightsPerLayer: Int
    /// Router weights of one layer (`experts·d`), not counted in the paper's figures.
    public let routerWeightsPerLayer: Int
    /// Input embedding plus output head (one matrix when they are tied).
    public let embeddingWeights: Int
    /// `W`: layer-0 Q, K, V, and for parallel blocks the FFN (MLA: q's factors or projection and
    /// `kv_a_proj_with_mqa`; `kv_b_proj` stays).
    public let eliminatedWeights: Int
    /// `(table width − d) · vocab`.
    public let embeddingIncrease: Int
    /// A tied head must keep the original embedding: `vocab · d` more, 0 when untied.
    public let tiedHeadCopy: Int
    /// Weight matrices of the whole model (the denominator of the relative change).
    public let modelWeights: Int

    public init(_ description: ModelDescription, assumeParallel: Bool = false) {
        let m = description
        let d = m.hiddenSize
        self.description = m
        self.assumeParallel = assumeParallel
        let parallel = assumeParallel || m.block != .serial
        tableWidth = TableSegment.layout(for: m).rowWidth
        let attention = AttentionWeightCounts(m)
        queryAndOutputWeightsPerLayer = attention.query + attention.output
        keyValueWeightsPerLayer = attention.keyValue
        feedForwardWeightsPerLayer = m.feedForwardWeights(layer: 0)
        routerWeightsPerLayer = (m.experts?.count ?? 0) * d
        embeddingWeights = m.vocabSize * d * (m.tiedHead ? 1 : 2)
        eliminatedWeights = attention.tokenLocal + (parallel ? feedForwardWeightsPerLayer : 0)
        embeddingIncrease = (tableWidth - d) * m.vocabSize
        tiedHeadCopy = m.tiedHead ? m.vocabSize * d : 0
        modelWeights =
            embeddingWeights + m.layerCount * (queryAndOutputWeightsPerLayer + keyValueWeightsPerLayer)
            + (0..<m.layerCount).reduce(0) { $0 + m.feedForwardWeights(layer: $1) }
    }

    /// First-layer weights and activations read for a batch of `b` tokens without the table: `B·d + W`.
    public func readsWithout(batch b: Int) -> Int { b * description.hiddenSize + eliminatedWeights }

    /// Values read with the table: `B · table width`.
    public func readsWith(batch b: Int) -> Int { b * tableWidth }

    /// `readsWithout / readsWith`.
    public func reduction(batch b: Int) -> Double { Double(readsWithout(batch: b)) / Double(readsWith(batch: b)) }

    /// Memory change in weights: table growth, minus eliminated weights, plus a tied head's own copy.
    public var totalChange: Int { embeddingIncrease - eliminatedWeights + tiedHeadCopy }

    /// `totalChange / modelWeights`.
    public var relativeChange: Double { Double(totalChange) / Double(modelWeights) }

    /// The table's bytes stored as `type`, from the element counts alone (`vocab` rows of
    /// `tableWidth` values); nil when a row is not whole blocks of `type` (Q8_0 needs multiples of 32).
    public func tableBytes(_ type: GGMLType) -> Int? {
        type.byteCount(elements: tableWidth).map { $0 * description.vocabSize }
    }

    /// The rule in values, for when no file says how many bytes each takes (a bare config.json, or a
    /// hypothetical parallel analysis): reads saved at B=1 against `totalChange`.
    public var verdict: FirstLayerVerdict {
        FirstLayerVerdict(unit: .values, readsSaved: readsWithout(batch: 1) - readsWith(batch: 1), memoryAdded: totalChange)
    }
}

/// Whether precomputing the first layer pays, by one plain rule: at B=1 (one token per step, the
/// memory-bandwidth-bound case the trick is for) it is a loss when the memory it adds exceeds the
/// first-layer reads it saves per token, or when it saves no reads at all. Since at B=1 a dense model
/// reads about its whole file per token, this is the same as asking whether the file grows by a larger
/// fraction than the per-token traffic (and so, bandwidth-bound, the time per token) falls.
public struct FirstLayerVerdict: Sendable, Equatable {
    /// What the two figures count: bytes of a real file, or values (weights) of the paper's analysis.
    public enum Unit: String, Sendable, Codable { case bytes, values }

    public var unit: Unit
    /// Layer-0 reads one token saves at B=1 (negative when the table reads more).
    public var readsSaved: Int
    /// Memory the conversion adds (negative when it frees memory).
    public var memoryAdded: Int

    public init(unit: Unit, readsSaved: Int, memoryAdded: Int) {
        self.unit = unit
        self.readsSaved = readsSaved
        self.memoryAdded = memoryAdded
    }

    /// A loss: no reads saved, or more memory added than reads saved per token.
    public var isLoss: Bool { readsSaved <= 0 || memoryAdded > readsSaved }

    /// `loss` or `win`.
    public var word: String { isLoss ? "loss" : "win" }

    /// The rule, as `plan` states it.
    public static let rule =
        "a loss when, at B=1, the memory added exceeds the layer-0 reads one token saves (or no reads are saved)"
}
