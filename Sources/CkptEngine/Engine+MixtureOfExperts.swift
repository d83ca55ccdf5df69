import CkptKernels
import CkptModels
import Foundation

extension Engine {
    /// The sparse FFN of one layer over `h (n, d)` (docs/architectures.md, "Mixtures of experts"): each
    /// token's experts and weights from the router, each expert run once over the tokens that chose it, the
    /// weighted outputs summed in expert order, and the shared expert added.
    func mixtureOfExperts(_ h: [Float], rows n: Int, layer: Int, experts: ModelDescription.Experts) throws(ModelError) -> [Float] {
        let d = description.hiddenSize
        let count = experts.count
        let logits = linear(
            h, rows: n, try required(.router, layer: layer), bias: try floats(.routerBias, layer: layer), outputs: count)
        let correction = try floats(.expertScoreBias, layer: layer)
        var chosen: [[(token: Int, weight: Float)]] = Array(repeating: [], count: count)
        for r in 0..<n {
            let choice = experts.routing.choose(Array(logits[(r * count)..<((r + 1) * count)]), used: experts.used, correction: correction)
            for (e, weight) in choice { chosen[e].append((r, weight * experts.weightScale)) }
        }
        var out = [Float](repeating: 0, count: n * d)
        for e in 0..<count where !chosen[e].isEmpty {
            let tokens = chosen[e]
            var input = [Float](repeating: 0, count: tokens.count * d)
            for (i, t) in tokens.enumerated() {
                let scale = experts.weighsInput ? t.weight : 1
                for c in 0..<d { input[i * d + c] = h[t.token * d + c] * scale }
            }
            let result = try expert(input, rows: tokens.count, layer: layer, expert: e, experts: experts)
            for (i, t) in tokens.enumerated() {
                let scale = experts.weighsInput ? 1 : t.weight
                for c in 0..<d { out[t.token * d + c] += scale * result[i * d + c] }
            }
        }
        if let width = experts.sharedFeedForwardSize {
            var gate = linear(h, rows: n, try required(.sharedGate, layer: layer), bias: nil, outputs: width)
            let up = linear(h, rows: n, try required(.sharedUp, layer: layer), bias: nil, outputs: width)
            activate(&gate)
            for i in gate.indices { gate[i] *= up[i] }
            let shared = linear(gate, rows: n, try required(.sharedDown, layer: layer), bias: nil, outputs: d)
            for i in out.indices { out[i] += shared[i] }
        }
        return out
    }

    /// Expert `e`'s FFN over `x (rows, d)` with its biases, before its routing weight.
    func expert(_ x: [Float], rows: Int, layer: Int, expert e: Int, experts: ModelDescription.Experts) throws(ModelError) -> [Float] {
        let d = description.hiddenSize
        let ff = experts.feedForwardSize
        var gate: [Float]
        var up: [Float]
        let downBias = try expertPart(.expertDownBias, layer: layer, expert: e, rowsPerExpert: 1)
        switch experts.storage {
        case .perExpert, .stacked:
            let (gateWeight, upWeight, downWeight) = try expertWeights(layer: layer, expert: e)
            gate = linear(
                x, rows: rows, gateWeight, bias: try expertPart(.expertGateBias, layer: layer, expert: e, rowsPerExpert: 1), outputs: ff)
            up = linear(
                x, rows: rows, upWeight, bias: try expertPart(.expertUpBias, layer: layer, expert: e, rowsPerExpert: 1), outputs: ff)
            return linear(expertHidden(&gate, up, experts.activation), rows: rows, downWeight, bias: downBias, outputs: d)
        case .stackedInputMajor(let interleaved):
            let gateUp = try requiredExpertPart(.expertGateUp, layer: layer, expert: e, rowsPerExpert: d)
            let bias = try expertPart(.expertGateUpBias, layer: layer, expert: e, rowsPerExpert: 1)
            let both = linear(x, rows: rows, gateUp, bias: bias, outputs: 2 * ff, transposed: true)
            gate = [Float](repeating: 0, count: rows * ff)
            up = gate
            for r in 0..<rows {
                for c in 0..<ff {
                    let (g, u) = interleaved ? (2 * c, 2 * c + 1) : (c, ff + c)
                    gate[r * ff + c] = both[r * 2 * ff + g]
                    up[r * ff + c] = both[r * 2 * ff + u]
                }
            }
            let down = try requiredExpertPart(.expertDown, layer: layer, expert: e, rowsPerExpert: ff)
            return linear(expertHidden(&gate, up, experts.activation), rows: rows, down, bias: downBias, outputs: d, transposed: true)
        }
    }

    /// The expert's hidden activation from its gate and up projections, computed in `gate`.
    func expertHidden(_ gate: inout [Float], _ up: [Float], _ activation: ModelDescription.Experts.Activation) -> [Float] {
        switch activation {
        case .gated:
            activate(&gate)
            for i in gate.indices { gate[i] *= up[i] }
        case .clampedSwiGLU(let limit, let alpha):
            for i in gate.indices {
                let g = min(gate[i], limit)
                let u = min(max(up[i], -limit), limit)
                gate[i] = (u + 1) * (g * (1 / (1 + expf(-(g * alpha)))))
            }
        }
        return gate
    }

    /// One expert's gate, up and down matrices, `[out, in]`: per-expert tensors, or slices of stacked ones.
    func expertWeights(layer: Int, expert e: Int) throws(ModelError) -> ([Float], [Float], [Float]) {
        let ff = description.experts?.feedForwardSize ?? description.feedForwardSize
        return (
            try requiredExpertPart(.expertGate, layer: layer, expert: e, rowsPerExpert: ff),
            try requiredExpertPart(.expertUp, layer: layer, expert: e, rowsPerExpert: ff),
            try requiredExpertPart(.expertDown, layer: layer, expert: e, rowsPerExpert: description.hiddenSize)
        )
    }

    /// Expert `e`'s part of `role`'s tensor in `layer`: its own tensor when the names have one per expert,
    /// else its `rowsPerExpert` rows of the tensor stacked over the experts; nil when the checkpoint has none.
    func expertPart(_ role: TensorRole, layer: Int, expert e: Int, rowsPerExpert: Int) throws(ModelError) -> [Float]? {
        if model.names.layer[role]?.contains("{E}") == true { return try floats(role, layer: layer, expert: e) }
        guard let tensor = model.tensor(role, layer: layer) else { return nil }
        return try model.decode(tensor, rows: (e * rowsPerExpert)..<((e + 1) * rowsPerExpert))
    }

    /// `expertPart`, which must exist (the shape check has guaranteed it).
    func requiredExpertPart(_ role: TensorRole, layer: Int, expert e: Int, rowsPerExpert: Int) throws(ModelError) -> [Float] {
        guard let values = try expertPart(role, layer: layer, expert: e, rowsPerExpert: rowsPerExpert) else {
            let name = model.names.name(role, layer: layer, expert: e) ?? role.rawValue
            throw ModelError(file: model.checkpoint.path, "missing tensor \(name)")
        }
        return values
    }
}

extension ModelDescription.Experts.Routing {
    /// The experts one token's router `logits` choose, with their weights (before `weightScale`), in the
    /// order chosen; `correction` is DeepSeek V3's per-expert bias of the choice.
    func choose(_ logits: [Float], used: Int, correction: [Float]?) -> [(expert: Int, weight: Float)] {
        func top(_ k: Int, of scores: [Float]) -> [Int] {
            Array(scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }.prefix(k))
        }
        func weighted(_ chosen: [Int], _ weights: [Float], renormalize: Bool, epsilon: Float = 0) -> [(expert: Int, weight: Float)] {
            let total = chosen.reduce(Float(0)) { $0 + weights[$1] } + epsilon
            return chosen.map { ($0, renormalize ? weights[$0] / total : weights[$0]) }
        }
        switch self {
        case .softmax(let renormalize):
            let probabilities = Self.softmax(logits)
            return weighted(top(used, of: probabilities), probabilities, renormalize: renormalize)
        case .softmaxOfTopLogits:
            let chosen = top(used, of: logits)
            return Array(zip(chosen, Self.softmax(chosen.map { logits[$0] }))).map { ($0, $1) }
        case .sigmoidOfTopLogits:
            return top(used, of: logits).map { ($0, Self.sigmoid(logits[$0])) }
        case .softmaxGroupLimited(let groups, let keptGroups, let renormalize):
            var probabilities = Self.softmax(logits)
            let kept = Self.keptGroups(probabilities, groups: groups, keep: keptGroups) { $0.max() ?? 0 }
            for e in probabilities.indices where !kept.contains(e / (logits.count / groups)) { probabilities[e] = 0 }
            return weighted(top(used, of: probabilities), probabilities, renormalize: renormalize)
        case .sigmoidGroupLimited(let groups, let keptGroups, let renormalize):
            let scores = logits.map(Self.sigmoid)
            var choice = correction.map { zip(scores, $0).map(+) } ?? scores
            let kept = Self.keptGroups(choice, groups: groups, keep: keptGroups) { group in
                group.sorted(by: >).prefix(2).reduce(0, +)
            }
            for e in choice.indices where !kept.contains(e / (logits.count / groups)) { choice[e] = -.infinity }
            return weighted(top(used, of: choice), scores, renormalize: renormalize, epsilon: 1e-20)
        }
    }

    /// The `keep` groups (of `scores.count / groups` consecutive experts) with the best `score`.
    static func keptGroups(_ scores: [Float], groups: Int, keep: Int, score: (ArraySlice<Float>) -> Float) -> Set<Int> {
        let size = scores.count / groups
        let groupScores = (0..<groups).map { score(scores[($0 * size)..<(($0 + 1) * size)]) }
        return Set(
            groupScores.indices.sorted { groupScores[$0] > groupScores[$1] || (groupScores[$0] == groupScores[$1] && $0 < $1) }.prefix(keep)
        )
    }

    static func softmax(_ values: [Float]) -> [Float] {
        var out = values
        out.withUnsafeMutableBufferPointer { Activations.softmax($0.baseAddress!, count: $0.count) }
        return out
    }

    static func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
}
