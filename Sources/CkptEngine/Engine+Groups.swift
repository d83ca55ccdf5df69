import CkptModels

extension Engine {
    /// Where a run's layer-0 token-local part comes from.
    public enum LayerZero {
        /// Computed from this engine's layer-0 weights.
        case computed
        /// Computed, then passed through what storing it in a table does to it (`count` tokens).
        case stored((_ local: TokenLocal, _ count: Int) throws(ModelError) -> TokenLocal)
        /// Read from the precomputed table of `converted`, a conversion of this engine's model.
        case table(Model)
    }

    /// One token sequence and where its layer 0 comes from.
    public struct Run {
        public var tokens: [Int]
        public var layerZero: LayerZero

        public init(tokens: [Int], layerZero: LayerZero) {
            self.tokens = tokens
            self.layerZero = layerZero
        }
    }

    /// Logits of every run of every group, `[group][run]`, each `(tokens, vocab)` row-major. Layers
    /// 1 to L−1 and the head are this engine's for every run; a run reading a converted model's table
    /// therefore gives that converted model's logits only when its other tensors are this model's,
    /// which `validate`'s structure check establishes before it runs the original and converted models
    /// together. Each layer's weights (and each chunk of the head) are decoded once for all runs; each
    /// group's rows go through the head as one product, exactly as when the group runs alone.
    /// `progress(layer, layers)` is called as layers complete.
    public func logits(groups: [[Run]], progress: ((Int, Int) -> Void)? = nil) throws(ModelError) -> [[[Float]]] {
        let m = description
        for token in groups.joined().flatMap(\.tokens) where token < 0 || token >= m.vocabSize {
            throw ModelError(file: model.checkpoint.path, "token id \(token) is outside the vocabulary, 0 to \(m.vocabSize - 1)")
        }
        let runs = Array(groups.joined())
        let engine = cache == nil && runs.count > 1 ? Engine(model: model, cache: WeightCache(policy: .currentLayer)) : self
        let positions = runs.map { Array(0..<$0.tokens.count) }
        var states: [[Float]] = []
        for (run, position) in zip(runs, positions) {
            var local: TokenLocal
            switch run.layerZero {
            case .table(let converted):
                guard let table = converted.table else {
                    throw ModelError(file: converted.checkpoint.path, "has no precomputed first-layer table")
                }
                local = try table.rows(run.tokens, of: converted)
            case .computed:
                local = try engine.tokenLocal(layer: 0, x: engine.embed(run.tokens))
            case .stored(let store):
                local = try store(engine.tokenLocal(layer: 0, x: engine.embed(run.tokens)), run.tokens.count)
            }
            states.append(try engine.finishBlock(layer: 0, local, positions: position))
        }
        progress?(1, m.layerCount)
        for layer in 1..<m.layerCount {
            for i in states.indices {
                states[i] = try engine.finishBlock(layer: layer, try engine.tokenLocal(layer: layer, x: states[i]), positions: positions[i])
            }
            progress?(layer + 1, m.layerCount)
        }
        var groupStates: [(x: [Float], rows: Int)] = []
        var first = 0
        for group in groups {
            groupStates.append((Array(states[first..<(first + group.count)].joined()), group.reduce(0) { $0 + $1.tokens.count }))
            first += group.count
        }
        let heads = try engine.head(groupStates)
        var result: [[[Float]]] = []
        for (group, all) in zip(groups, heads) {
            var logits: [[Float]] = []
            var start = 0
            for run in group {
                logits.append(Array(all[(start * m.vocabSize)..<((start + run.tokens.count) * m.vocabSize)]))
                start += run.tokens.count
            }
            result.append(logits)
        }
        return result
    }
}
