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
    /// together. A group's runs are stacked, so each layer is one product per weight matrix for the
    /// group (attention keeps every run to its own rows), exactly as when the group runs alone; each
    /// layer's weights (and each chunk of the head) are decoded once for all groups. A group whose runs
    /// have the tokens and layer-0 token-local parts of an earlier group's, bit for bit, would compute
    /// the same numbers all the way: it is run once and its logits shared.
    /// `progress(layer, layers)` is called as layers complete.
    public func logits(groups: [[Run]], progress: ((Int, Int) -> Void)? = nil) throws(ModelError) -> [[[Float]]] {
        let m = description
        for token in groups.joined().flatMap(\.tokens) where token < 0 || token >= m.vocabSize {
            throw ModelError(file: model.checkpoint.path, "token id \(token) is outside the vocabulary, 0 to \(m.vocabSize - 1)")
        }
        let engine = cache == nil && groups.count > 1 ? Engine(model: model, cache: WeightCache(policy: .currentLayer)) : self
        var locals: [[TokenLocal]] = []
        for group in groups { locals.append(try engine.layerZeroParts(group)) }
        // The groups that run, and for each group the one that computes it.
        var distinct: [Int] = []
        var source: [Int] = []
        for g in groups.indices {
            let twin = distinct.first { other in
                groups[other].map(\.tokens) == groups[g].map(\.tokens)
                    && zip(locals[other], locals[g]).allSatisfy { $0.sameBits(as: $1) }
            }
            if twin == nil { distinct.append(g) }
            source.append(distinct.firstIndex(of: twin ?? g)!)
        }
        let positions = distinct.map { g in groups[g].flatMap { Array(0..<$0.tokens.count) } }
        var states: [[Float]] = []
        for (g, position) in zip(distinct, positions) {
            states.append(try engine.finishBlock(layer: 0, TokenLocal(stacking: locals[g]), positions: position))
        }
        progress?(1, m.layerCount)
        for layer in 1..<m.layerCount {
            for i in states.indices {
                states[i] = try engine.finishBlock(layer: layer, try engine.tokenLocal(layer: layer, x: states[i]), positions: positions[i])
            }
            progress?(layer + 1, m.layerCount)
        }
        let heads = try engine.head(zip(states, positions).map { (x: $0, rows: $1.count) })
        return groups.indices.map { g in
            var start = 0
            return groups[g].map { run in
                defer { start += run.tokens.count }
                return Array(heads[source[g]][(start * m.vocabSize)..<((start + run.tokens.count) * m.vocabSize)])
            }
        }
    }

    /// Each run's layer-0 token-local part; those computed (also those then stored) in one product.
    private func layerZeroParts(_ runs: [Run]) throws(ModelError) -> [TokenLocal] {
        let needComputed = runs.indices.filter {
            if case .table = runs[$0].layerZero { false } else { true }
        }
        var computed: [Int: TokenLocal] = [:]
        if !needComputed.isEmpty {
            let all = try tokenLocal(layer: 0, x: embed(needComputed.flatMap { runs[$0].tokens }))
            let count = needComputed.reduce(0) { $0 + runs[$1].tokens.count }
            var start = 0
            for index in needComputed {
                computed[index] = all.rows(start..<(start + runs[index].tokens.count), of: count)
                start += runs[index].tokens.count
            }
        }
        var locals: [TokenLocal] = []
        for (index, run) in runs.enumerated() {
            switch run.layerZero {
            case .table(let converted):
                guard let table = converted.table else {
                    throw ModelError(file: converted.checkpoint.path, "has no precomputed first-layer table")
                }
                locals.append(try table.rows(run.tokens, of: converted))
            case .computed:
                locals.append(computed[index]!)
            case .stored(let store):
                locals.append(try store(computed[index]!, run.tokens.count))
            }
        }
        return locals
    }
}
