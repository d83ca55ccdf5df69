import CkptModels
import Foundation

extension Engine {
    /// Layer 0's token-local row for `token`, `[residual | q | k | v]` (MLA: `[x | q | c_kv | k_pe]`),
    /// recomputed in f64 with plain loops: an independent check of the table, sharing only the decoded
    /// weights with the f32 path.
    public func tableRowReference(token: Int) throws(ModelError) -> [Double] {
        let m = description
        guard let embedding = model.tensor(.embedding) else {
            throw ModelError(file: model.checkpoint.path, "missing the embedding tensor")
        }
        let scale = Double(m.embeddingScale ?? 1)
        let x = try model.decode(embedding, rows: token..<(token + 1)).map { Double($0) * scale }
        func norm(_ values: [Double], _ weight: TensorRole, _ bias: TensorRole?, _ kind: ModelDescription.Norm) throws(ModelError)
            -> [Double]
        {
            let w = try required(weight, layer: 0).map(Double.init)
            let b = try bias.flatMap { (role) throws(ModelError) in try floats(role, layer: 0) }?.map(Double.init)
            return Self.norm64(values, kind, weight: w, bias: b)
        }
        let attnIn = m.normPlacement == .post ? x : try norm(x, .attnNorm, .attnNormBias, m.norm)
        if let mla = m.mla { return try x + latentAttentionInputs64(attnIn, mla: mla) }
        let weights = try AttentionWeights(self, layer: 0)
        var q = Self.linear64(attnIn, transposed: weights.q, weights.qBias)
        var k = Self.linear64(attnIn, transposed: weights.k, weights.kBias)
        let v0 = Self.linear64(attnIn, transposed: weights.v, weights.vBias)
        var v = v0
        if let clamp = m.qkvClamp.map(Double.init) {
            q = q.map { min(max($0, -clamp), clamp) }
            k = k.map { min(max($0, -clamp), clamp) }
            v = v.map { min(max($0, -clamp), clamp) }
        }
        if let qkNorm = m.qkNorm, qkNorm.layers?.contains(0) ?? true {
            q = try normalizeHeads64(q, heads: m.headCount, qkNorm, .qNorm, .qNormBias)
            k = try normalizeHeads64(k, heads: m.kvHeadCount, qkNorm, .kNorm, .kNormBias)
        }
        var residual = x
        if case .parallel(let shared) = m.block {
            let h2 = shared ? attnIn : try norm(x, .ffnNorm, .ffnNormBias, m.norm)
            let ffn = try feedForward64(h2)
            let outputBias = try floats(.oBias, layer: 0)?.map(Double.init)
            for i in residual.indices { residual[i] += ffn[i] + (outputBias?[i] ?? 0) }
        }
        return residual + q + k + v
    }

    func normalizeHeads64(
        _ values: [Double], heads: Int, _ qkNorm: ModelDescription.QKNorm, _ weightRole: TensorRole, _ biasRole: TensorRole
    ) throws(ModelError) -> [Double] {
        let hd = description.headDim
        var weights: [Double]
        if qkNorm.scope == .unweighted {
            weights = [Double](repeating: 1, count: hd)
        } else if model.names.layer[weightRole]?.contains("{H}") == true {
            weights = []
            for h in 0..<heads { weights += try required(weightRole, layer: 0, head: h).map(Double.init) }
        } else {
            weights = try required(weightRole, layer: 0).map(Double.init)
        }
        let bias = try floats(biasRole, layer: 0)?.map(Double.init)
        if qkNorm.scope == .fullWidth { return Self.norm64(values, qkNorm.norm, weight: weights, bias: bias) }
        var out: [Double] = []
        for h in 0..<heads {
            let w = qkNorm.scope == .perHead ? Array(weights[(h * hd)..<((h + 1) * hd)]) : weights
            out += Self.norm64(Array(values[(h * hd)..<((h + 1) * hd)]), qkNorm.norm, weight: w, bias: bias)
        }
        return out
    }

    func feedForward64(_ h: [Double]) throws(ModelError) -> [Double] {
        let m = description
        func activate(_ x: Double) -> Double {
            switch m.activation {
            case .silu: x / (1 + exp(-x))
            case .geluExact: 0.5 * x * (1 + erf(x / 2.0.squareRoot()))
            case .geluTanh: 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
            }
        }
        func gated(_ gate: [Float], _ up: [Float], _ down: [Float], upBias: [Float]?, downBias: [Float]?) -> [Double] {
            let g = Self.linear64(h, gate, nil).map(activate)
            let u = Self.linear64(h, up, upBias)
            return Self.linear64(zip(g, u).map(*), down, downBias)
        }
        if let experts = m.experts {
            let router = Self.linear64(h, try required(.router, layer: 0), nil)
            let maximum = router.max() ?? 0
            let exps = router.map { exp($0 - maximum) }
            let total = exps.reduce(0, +)
            let probabilities = exps.map { $0 / total }
            let top = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }.prefix(experts.used)
            let mass = top.reduce(0) { $0 + probabilities[$1] }
            var out = [Double](repeating: 0, count: m.hiddenSize)
            for e in top {
                let (g, u, d) = try expertWeights(layer: 0, expert: e)
                let y = gated(g, u, d, upBias: nil, downBias: nil)
                for i in out.indices { out[i] += probabilities[e] / mass * y[i] }
            }
            return out
        }
        let upBias = try floats(.upBias, layer: 0)
        let downBias = try floats(.downBias, layer: 0)
        switch m.feedForward {
        case .plain:
            let hidden = Self.linear64(h, try required(.up, layer: 0), upBias).map(activate)
            return Self.linear64(hidden, try required(.down, layer: 0), downBias)
        case .gated(fusedGateUp: false):
            return gated(
                try required(.gate, layer: 0), try required(.up, layer: 0), try required(.down, layer: 0), upBias: upBias,
                downBias: downBias)
        case .gated(fusedGateUp: true):
            let both = try required(.gateUp, layer: 0)
            let half = both.count / 2
            return gated(Array(both[..<half]), Array(both[half...]), try required(.down, layer: 0), upBias: nil, downBias: downBias)
        }
    }

    /// `W (out, in) · x + b` in f64.
    static func linear64(_ x: [Double], _ weight: [Float], _ bias: [Float]?) -> [Double] {
        let inputs = x.count
        let outputs = weight.count / inputs
        return (0..<outputs).map { o in
            var sum = bias.map { Double($0[o]) } ?? 0
            for i in 0..<inputs { sum += Double(weight[o * inputs + i]) * x[i] }
            return sum
        }
    }

    /// `linear64` with the weight stored transposed, `(in, out)`; the same sums in the same order.
    static func linear64(_ x: [Double], transposed weight: [Float], _ bias: [Float]?) -> [Double] {
        let inputs = x.count
        let outputs = weight.count / inputs
        var out = (0..<outputs).map { o in bias.map { Double($0[o]) } ?? 0 }
        out.withUnsafeMutableBufferPointer { sums in
            weight.withUnsafeBufferPointer { w in
                for i in 0..<inputs {
                    let (xi, row) = (x[i], w.baseAddress! + i * outputs)
                    for o in 0..<outputs { sums[o] += Double(row[o]) * xi }
                }
            }
        }
        return out
    }

    static func norm64(_ x: [Double], _ kind: ModelDescription.Norm, weight: [Double], bias: [Double]?) -> [Double] {
        let n = Double(x.count)
        switch kind {
        case .rms(let eps, let offset):
            let scale = 1 / (x.reduce(0) { $0 + $1 * $1 } / n + Double(eps)).squareRoot()
            return x.indices.map { x[$0] * scale * (weight[$0] + Double(offset)) }
        case .layer(let eps, _):
            let mean = x.reduce(0, +) / n
            let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
            let scale = 1 / (variance + Double(eps)).squareRoot()
            return x.indices.map { (x[$0] - mean) * scale * weight[$0] + (bias?[$0] ?? 0) }
        }
    }
}
