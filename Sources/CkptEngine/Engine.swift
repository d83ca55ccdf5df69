import CkptFormats
import CkptKernels
import CkptModels

/// The reference forward pass: f32 math, weights decoded one matrix at a time as needed, GEMM
/// through BLAS, causal attention over one token sequence. Follows transformers' semantics for every
/// supported family (docs/architectures.md), whichever format the weights come from.
public struct Engine: Sendable {
    public let model: Model
    /// Decoded weights kept for these layers (the converter keeps layer 0's while it fills the table).
    let cache: WeightCache?

    /// An engine over `model`; weights of `cachedLayers` are decoded once and kept.
    public init(model: Model, cachedLayers: Set<Int> = []) {
        self.init(model: model, cache: cachedLayers.isEmpty ? nil : WeightCache(policy: .layers(cachedLayers)))
    }

    init(model: Model, cache: WeightCache?) {
        self.model = model
        self.cache = cache
    }

    /// The f32 values of `role`'s tensor, or nil when the checkpoint has none.
    func floats(_ role: TensorRole, layer: Int = 0, expert: Int? = nil, head: Int? = nil) throws(ModelError) -> [Float]? {
        guard let cache, cache.holds(layer: layer), role.isPerLayer else {
            return try model.floats(role, layer: layer, expert: expert, head: head)
        }
        return try cache.value(layer: layer, key: "\(role.rawValue)/\(layer)/\(expert ?? -1)/\(head ?? -1)") { () throws(ModelError) in
            try model.floats(role, layer: layer, expert: expert, head: head)
        }
    }

    /// A value derived from `layer`'s weights (a fused matrix split, say), kept with them when the
    /// layer's weights are cached, computed afresh otherwise.
    func derived(layer: Int, key: String, _ compute: () throws(ModelError) -> [Float]?) throws(ModelError) -> [Float]? {
        guard let cache, cache.holds(layer: layer) else { return try compute() }
        return try cache.value(layer: layer, key: "derived/\(key)/\(layer)", compute)
    }

    /// Like `floats`, but the tensor must exist (the shape check has guaranteed it).
    func required(_ role: TensorRole, layer: Int = 0, expert: Int? = nil, head: Int? = nil) throws(ModelError) -> [Float] {
        guard let values = try floats(role, layer: layer, expert: expert, head: head) else {
            let name = model.names.name(role, layer: layer, expert: expert, head: head) ?? role.rawValue
            throw ModelError(file: model.checkpoint.path, "missing tensor \(name)")
        }
        return values
    }

    var description: ModelDescription { model.description }

    /// Logits `(tokens.count, vocab)`, row-major.
    public func logits(tokens: [Int]) throws(ModelError) -> [Float] {
        try logits(sequences: [tokens])[0]
    }

    /// Logits of several independent sequences, run layer by layer so that each layer's weights are
    /// decoded once for all of them (and only one layer's are held at a time). `storeLayerZero`, when
    /// given, passes layer 0's computed token-local part (of `count` tokens) through what storing it in
    /// a table does to it, so that an original model yields what a correct conversion should.
    public func logits(
        sequences: [[Int]], storeLayerZero: ((_ local: TokenLocal, _ count: Int) throws(ModelError) -> TokenLocal)? = nil
    ) throws(ModelError) -> [[Float]] {
        let layerZero: LayerZero = model.table != nil ? .table(model) : storeLayerZero.map(LayerZero.stored) ?? .computed
        return try logits(groups: [sequences.map { Run(tokens: $0, layerZero: layerZero) }])[0]
    }

    /// The embedding rows of `tokens`, times the embedding scale.
    public func embed(_ tokens: [Int]) throws(ModelError) -> [Float] {
        let d = description.hiddenSize
        guard let embedding = model.tensor(.embedding) else {
            throw ModelError(file: model.checkpoint.path, "missing the embedding tensor")
        }
        var x: [Float] = []
        x.reserveCapacity(tokens.count * d)
        // Runs of consecutive ids (a table chunk is one run) are decoded in one call.
        var start = 0
        while start < tokens.count {
            var end = start + 1
            while end < tokens.count, tokens[end] == tokens[end - 1] + 1 { end += 1 }
            x += try model.decode(embedding, rows: tokens[start]..<(tokens[end - 1] + 1))
            start = end
        }
        if let scale = description.embeddingScale {
            for i in x.indices { x[i] *= scale }
        }
        return x
    }

    /// Everything a block computes from each token's own residual row, before RoPE mixes in the
    /// position: q, k, v, and for parallel blocks `x + FFN(norm(x)) + b_o`. For layer 0 this is
    /// exactly one row of the precomputed table per token; the converter calls this very function.
    public func tokenLocal(layer: Int, x: [Float]) throws(ModelError) -> TokenLocal {
        let m = description
        let n = x.count / m.hiddenSize
        switch m.block {
        case .parallel(let shared):
            let h1 = try normalize(x, rows: n, .attnNorm, .attnNormBias, layer: layer)
            let h2 = shared ? h1 : try normalize(x, rows: n, .ffnNorm, .ffnNormBias, layer: layer)
            let (q, k, v) = try attentionInputs(h1, rows: n, layer: layer)
            var residual = try feedForward(h2, rows: n, layer: layer)
            let outputBias = try floats(.oBias, layer: layer)
            for i in residual.indices { residual[i] += x[i] + (outputBias?[i % m.hiddenSize] ?? 0) }
            return TokenLocal(residual: residual, q: q, k: k, v: v)
        case .serial:
            let attnIn = m.normPlacement == .post ? x : try normalize(x, rows: n, .attnNorm, .attnNormBias, layer: layer)
            if let mla = m.mla { return try latentTokenLocal(residual: x, input: attnIn, rows: n, layer: layer, mla: mla) }
            let (q, k, v) = try attentionInputs(attnIn, rows: n, layer: layer)
            return TokenLocal(residual: x, q: q, k: k, v: v)
        }
    }

    /// The rest of a block from its token-local part: RoPE, attention, output projection, and for
    /// serial blocks the residual add and the feed-forward sublayer. Returns the new residual stream.
    func finishBlock(layer: Int, _ local: TokenLocal, positions: [Int]) throws(ModelError) -> [Float] {
        let m = description
        let n = positions.count
        var (q, k) = (local.q, local.k)
        let parallel = m.block != .serial
        var attention =
            if let mla = m.mla { try attendLatent(local, layer: layer, positions: positions, mla: mla) } else {
                try attendProjected(q: &q, k: &k, v: local.v, layer: layer, positions: positions, outputBias: !parallel)
            }
        var x = local.residual
        if parallel {
            for i in x.indices { x[i] += attention[i] }
            return x
        }
        if m.normPlacement != .pre { attention = try normalize(attention, rows: n, .postAttnNorm, nil, layer: layer) }
        if let scale = m.residualScale { for i in attention.indices { attention[i] *= scale } }
        for i in x.indices { x[i] += attention[i] }
        let ffnIn = m.normPlacement == .post ? x : try normalize(x, rows: n, .ffnNorm, .ffnNormBias, layer: layer)
        var ffn = try feedForward(ffnIn, rows: n, layer: layer)
        if m.normPlacement != .pre { ffn = try normalize(ffn, rows: n, .postFfnNorm, nil, layer: layer) }
        if let scale = m.residualScale { for i in ffn.indices { ffn[i] *= scale } }
        for i in x.indices { x[i] += ffn[i] }
        return x
    }

    /// Q, K and V of `h (n, d)` before RoPE: projections, biases, clamp and q/k norms. This is the
    /// token-local part of attention, the part the first-layer precompute stores.
    public func attentionInputs(_ h: [Float], rows n: Int, layer: Int) throws(ModelError) -> (q: [Float], k: [Float], v: [Float]) {
        let m = description
        let weights = try AttentionWeights(self, layer: layer)
        var q = linear(h, rows: n, weights.q, bias: weights.qBias, outputs: m.qWidth, transposed: true)
        var k = linear(h, rows: n, weights.k, bias: weights.kBias, outputs: m.kvWidth, transposed: true)
        var v = linear(h, rows: n, weights.v, bias: weights.vBias, outputs: m.kvWidth, transposed: true)
        if let clamp = m.qkvClamp {
            for i in q.indices { q[i] = min(max(q[i], -clamp), clamp) }
            for i in k.indices { k[i] = min(max(k[i], -clamp), clamp) }
            for i in v.indices { v[i] = min(max(v[i], -clamp), clamp) }
        }
        if let qkNorm = m.qkNorm, qkNorm.layers?.contains(layer) ?? true {
            try normalizeHeads(&q, rows: n, heads: m.headCount, qkNorm, .qNorm, .qNormBias, layer: layer)
            try normalizeHeads(&k, rows: n, heads: m.kvHeadCount, qkNorm, .kNorm, .kNormBias, layer: layer)
        }
        return (q, k, v)
    }

    /// RoPE, causal attention and the output projection (with its bias when `outputBias`), from
    /// pre-RoPE q, k and v.
    func attendProjected(
        q: inout [Float], k: inout [Float], v: [Float], layer: Int, positions: [Int], outputBias: Bool
    ) throws(ModelError) -> [Float] {
        let m = description
        let n = positions.count
        if let rope = m.rope(layer: layer) {
            rotate(&q, rope: rope, heads: m.headCount, headDim: m.headDim, positions: positions)
            rotate(&k, rope: rope, heads: m.kvHeadCount, headDim: m.headDim, positions: positions)
        }
        let window = m.slidingLayers.contains(layer) ? m.slidingWindow : nil
        let temperature = m.noRopeLayers.contains(layer) ? m.attentionTemperature.map { ($0.floorScale, $0.scale) } : nil
        let context = CausalAttention(
            heads: m.headCount, kvHeads: m.kvHeadCount, headDim: m.headDim, scale: m.attentionScale,
            softcap: m.attentionSoftcap, window: window, chunk: m.chunkedLayers.contains(layer) ? m.attentionChunkSize : nil,
            sinks: m.attentionSinks ? try required(.attnSinks, layer: layer) : nil, temperature: temperature
        ).apply(q: q, k: k, v: v, positions: positions)
        let o = try required(.o, layer: layer)
        let bias = outputBias ? try floats(.oBias, layer: layer) : nil
        return linear(context, rows: n, o, bias: bias, outputs: m.hiddenSize)
    }

    /// The feed-forward network of one layer over `h (n, d)`.
    public func feedForward(_ h: [Float], rows n: Int, layer: Int) throws(ModelError) -> [Float] {
        let m = description
        if let experts = m.experts, experts.layers.contains(layer) {
            return try mixtureOfExperts(h, rows: n, layer: layer, experts: experts)
        }
        let ff = m.feedForwardSize
        var hidden: [Float]
        switch m.feedForward {
        case .plain:
            hidden = linear(h, rows: n, try required(.up, layer: layer), bias: try floats(.upBias, layer: layer), outputs: ff)
            activate(&hidden)
        case .gated(let fused):
            var gate: [Float]
            let up: [Float]
            if fused {
                let both = linear(h, rows: n, try required(.gateUp, layer: layer), bias: nil, outputs: 2 * ff)
                gate = [Float](repeating: 0, count: n * ff)
                var upValues = [Float](repeating: 0, count: n * ff)
                for r in 0..<n {
                    for c in 0..<ff {
                        gate[r * ff + c] = both[r * 2 * ff + c]
                        upValues[r * ff + c] = both[r * 2 * ff + ff + c]
                    }
                }
                up = upValues
            } else {
                gate = linear(h, rows: n, try required(.gate, layer: layer), bias: nil, outputs: ff)
                up = linear(h, rows: n, try required(.up, layer: layer), bias: try floats(.upBias, layer: layer), outputs: ff)
            }
            activate(&gate)
            for i in gate.indices { gate[i] *= up[i] }
            hidden = gate
        }
        return linear(hidden, rows: n, try required(.down, layer: layer), bias: try floats(.downBias, layer: layer), outputs: m.hiddenSize)
    }

    /// Final norm, head (in chunks of vocabulary rows, each decoded once for every group), logit scale
    /// and soft-cap, for groups of `(n, d)` states; one `(n, vocab)` result per group. Each group's rows
    /// go through the head in one product, as they would alone.
    func head(_ groups: [(x: [Float], rows: Int)]) throws(ModelError) -> [[Float]] {
        let m = description
        let d = m.hiddenSize
        var normalized: [[Float]] = []
        for group in groups { normalized.append(try normalize(group.x, rows: group.rows, .outputNorm, .outputNormBias, layer: 0)) }
        guard let matrix = model.tensor(m.tiedHead ? .embedding : .output) else {
            throw ModelError(file: model.checkpoint.path, "missing the output head")
        }
        let bias = try floats(.outputBias)
        var logits = groups.map { [Float](repeating: 0, count: $0.rows * m.vocabSize) }
        let chunk = max(1, min(m.vocabSize, (1 << 24) / d))
        var start = 0
        while start < m.vocabSize {
            let end = min(m.vocabSize, start + chunk)
            let weights = try model.decode(matrix, rows: start..<end)
            for (index, h) in normalized.enumerated() {
                let n = groups[index].rows
                let part = linear(h, rows: n, weights, bias: bias.map { Array($0[start..<end]) }, outputs: end - start)
                for r in 0..<n {
                    for c in 0..<(end - start) { logits[index][r * m.vocabSize + start + c] = part[r * (end - start) + c] }
                }
            }
            start = end
        }
        for index in logits.indices {
            if let scale = m.logitScale { for i in logits[index].indices { logits[index][i] *= scale } }
            if let cap = m.finalSoftcap {
                logits[index].withUnsafeMutableBufferPointer { Activations.softcap($0.baseAddress!, count: $0.count, cap: cap) }
            }
        }
        return logits
    }

    // MARK: - Small helpers

    /// `x (rows, in) · Wᵀ + b` with `W (outputs, in)`, or stored transposed `(in, outputs)` when
    /// `transposed` (`AttentionWeights`' layout).
    func linear(_ x: [Float], rows: Int, _ weight: [Float], bias: [Float]?, outputs: Int, transposed: Bool = false) -> [Float] {
        let inputs = weight.count / max(outputs, 1)
        var out = [Float](repeating: 0, count: rows * outputs)
        if let bias {
            for r in 0..<rows { for c in 0..<outputs { out[r * outputs + c] = bias[c] } }
        }
        x.withUnsafeBufferPointer { xp in
            weight.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    let product = transposed ? GEMM.multiply : GEMM.multiplyTransposed
                    product(xp.baseAddress!, wp.baseAddress!, op.baseAddress!, rows, outputs, inputs, bias != nil)
                }
            }
        }
        return out
    }

    func activate(_ values: inout [Float]) {
        values.withUnsafeMutableBufferPointer { p in
            switch description.activation {
            case .silu: Activations.silu(p.baseAddress!, count: p.count)
            case .geluExact: Activations.geluExact(p.baseAddress!, count: p.count)
            case .geluTanh: Activations.geluTanh(p.baseAddress!, count: p.count)
            }
        }
    }

    /// The model's norm of each `d`-wide row, with `weight`/`bias` of `layer`.
    func normalize(_ x: [Float], rows: Int, _ weight: TensorRole, _ bias: TensorRole?, layer: Int) throws(ModelError) -> [Float] {
        let w = try required(weight, layer: layer)
        let b = try bias.flatMap { (role) throws(ModelError) in try floats(role, layer: layer) }
        return Self.normalize(x, rows: rows, width: w.count, norm: description.norm, weight: w, bias: b)
    }

    static func normalize(_ x: [Float], rows: Int, width: Int, norm: ModelDescription.Norm, weight: [Float]?, bias: [Float]?) -> [Float] {
        var out = x
        withOptionalPointer(weight) { w in
            withOptionalPointer(bias) { b in
                out.withUnsafeMutableBufferPointer { op in
                    switch norm {
                    case .rms(let eps, let offset):
                        Normalization.rms(
                            op.baseAddress!, into: op.baseAddress!, rows: rows, width: width, weight: w, weightOffset: offset, eps: eps)
                    case .layer(let eps, _):
                        Normalization.layer(op.baseAddress!, into: op.baseAddress!, rows: rows, width: width, weight: w, bias: b, eps: eps)
                    }
                }
            }
        }
        return out
    }

    /// Q/K norms: per head with one shared weight, per head with its own, or over the whole width.
    func normalizeHeads(
        _ values: inout [Float], rows n: Int, heads: Int, _ qkNorm: ModelDescription.QKNorm, _ weightRole: TensorRole,
        _ biasRole: TensorRole, layer: Int
    ) throws(ModelError) {
        let hd = description.headDim
        switch qkNorm.scope {
        case .unweighted:
            values = Self.normalize(values, rows: n * heads, width: hd, norm: qkNorm.norm, weight: nil, bias: nil)
        case .fullWidth:
            values = Self.normalize(
                values, rows: n, width: heads * hd, norm: qkNorm.norm, weight: try required(weightRole, layer: layer), bias: nil)
        case .sharedAcrossHeads:
            let w = try required(weightRole, layer: layer)
            let b = try floats(biasRole, layer: layer)
            values = Self.normalize(values, rows: n * heads, width: hd, norm: qkNorm.norm, weight: w, bias: b)
        case .perHead:
            var weights: [Float]
            if model.names.layer[weightRole]?.contains("{H}") == true {
                weights = []
                for h in 0..<heads { weights += try required(weightRole, layer: layer, head: h) }
            } else {
                weights = try required(weightRole, layer: layer)
            }
            for h in 0..<heads {
                let w = Array(weights[(h * hd)..<((h + 1) * hd)])
                for r in 0..<n {
                    let start = (r * heads + h) * hd
                    let row = Self.normalize(
                        Array(values[start..<(start + hd)]), rows: 1, width: hd, norm: qkNorm.norm, weight: w, bias: nil)
                    values.replaceSubrange(start..<(start + hd), with: row)
                }
            }
        }
    }
}

/// Calls `body` with a pointer to `values`' storage, or nil.
func withOptionalPointer<R>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress!) }
}

extension RotaryEmbedding {
    func apply(_ x: inout [Float], rows: Int, heads: Int, headDim: Int, positions: [Int]) {
        x.withUnsafeMutableBufferPointer { apply($0.baseAddress!, rows: rows, heads: heads, headDim: headDim, positions: positions) }
    }
}
