import CkptModels

/// The paper's analysis of precomputing the first layer (../shared/paper/FORMULAS.md), for one model:
/// weights eliminated, first-layer reads per batch with and without the table, and the memory change.
///
/// Figures follow the paper's convention: weight matrices only; layer-0 biases, norm weights and the
/// MoE router are left out (they are reported separately as `exactEliminated` when the tensors are known).
public struct FirstLayerPlan: Sendable {
    public let description: ModelDescription
    /// Whether the analysis treats the model as if its blocks were parallel (the paper's hypothetical Mixtral).
    public let assumeParallel: Bool
    /// `d + q width + 2·kv width`: one table row (`2(d+e)` when the Q width is d).
    public let tableWidth: Int
    /// Q and output-projection weights of one layer (`2·d·qWidth`).
    public let queryAndOutputWeightsPerLayer: Int
    /// K and V weights of one layer (`2·d·e`).
    public let keyValueWeightsPerLayer: Int
    /// FFN matrices of one layer, all experts (router excluded).
    public let feedForwardWeightsPerLayer: Int
    /// Router weights of one layer (`experts·d`), not counted in the paper's figures.
    public let routerWeightsPerLayer: Int
    /// Input embedding plus output head (one matrix when they are tied).
    public let embeddingWeights: Int
    /// `W`: layer-0 Q, K, V, and for parallel blocks the FFN.
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
        tableWidth = d + m.qWidth + 2 * m.kvWidth
        queryAndOutputWeightsPerLayer = 2 * d * m.qWidth
        keyValueWeightsPerLayer = 2 * d * m.kvWidth
        let matrices: Int
        switch m.feedForward {
        case .gated: matrices = 3
        case .plain: matrices = 2
        }
        feedForwardWeightsPerLayer = matrices * d * m.feedForwardSize * (m.experts?.count ?? 1)
        routerWeightsPerLayer = (m.experts?.count ?? 0) * d
        embeddingWeights = m.vocabSize * d * (m.tiedHead ? 1 : 2)
        let qkv = d * m.qWidth + 2 * d * m.kvWidth
        eliminatedWeights = qkv + (parallel ? feedForwardWeightsPerLayer : 0)
        embeddingIncrease = (tableWidth - d) * m.vocabSize
        tiedHeadCopy = m.tiedHead ? m.vocabSize * d : 0
        modelWeights = embeddingWeights
            + m.layerCount * (queryAndOutputWeightsPerLayer + keyValueWeightsPerLayer + feedForwardWeightsPerLayer)
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
}
