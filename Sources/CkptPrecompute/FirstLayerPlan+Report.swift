import Foundation

extension FirstLayerPlan {
    /// The rows `ckpt plan` prints, in the paper's order (docs/paper-formulas.md, "Report rows"): label and exact value.
    public func rows(batches: [Int]) -> [(label: String, value: Value)] {
        var rows: [(String, Value)] = [
            ("Q+P weights per layer", .count(queryAndOutputWeightsPerLayer)),
            ("K+V weights per layer", .count(keyValueWeightsPerLayer)),
            ("FFN weights per layer", .count(feedForwardWeightsPerLayer)),
            ("Input+output embeddings", .count(embeddingWeights)),
            ("Weights that can be eliminated", .count(eliminatedWeights)),
        ]
        for b in batches {
            rows.append(("Reads without precompute, B=\(grouped(b))", .count(readsWithout(batch: b))))
            rows.append(("Reads with precompute, B=\(grouped(b))", .count(readsWith(batch: b))))
        }
        for b in batches { rows.append(("Reduction factor B=\(grouped(b))", .factor(reduction(batch: b)))) }
        rows.append(("Embedding memory increase (2e+d)*vocab", .count(embeddingIncrease)))
        if tiedHeadCopy > 0 { rows.append(("Tied head keeps its own copy vocab*d", .count(tiedHeadCopy))) }
        rows.append(("Memory decrease (eliminated weights)", .count(-eliminatedWeights)))
        rows.append(("Total absolute change", .count(totalChange)))
        rows.append(("Total relative change", .percent(relativeChange)))
        return rows
    }

    /// A reported number and how it is shown; encoded as the number itself (a count exact, a factor
    /// or fraction as a `Double`).
    public enum Value: Sendable, Encodable {
        case count(Int)
        case factor(Double)
        case percent(Double)

        /// As the paper writes it (docs/paper-formulas.md, "Number format"): `25,165,824`, `2,458x`, `-3%`;
        /// factors below 10 with two significant digits (`3.1x`, `0.73x`), and below 1 marked `(slower)`:
        /// the table reads more.
        public var text: String {
            switch self {
            case .count(let n): grouped(n)
            case .factor(let f): factorText(f)
            case .percent(let p): "\(Int((p * 100).rounded()))%"
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .count(let n): try container.encode(n)
            case .factor(let f), .percent(let f): try container.encode(f)
            }
        }
    }

    /// A sentence on what the figures leave out.
    public var routerNote: String? {
        guard let experts = description.experts else { return nil }
        return "MoE router (gate) weights are not counted, as in the paper: \(grouped(routerWeightsPerLayer)) per layer "
            + "(\(experts.count) experts × d)\(assumeParallel || description.block != .serial ? "; layer 0's router would be eliminated too" : "")."
    }
}

/// A reduction factor: whole and grouped from 10 up (`2,458x`), else two significant digits (`3.1x`,
/// `0.73x`, `0.042x`), followed by ` (slower)` below 1.
public func factorText(_ factor: Double) -> String {
    guard factor.isFinite, factor > 0 else { return "\(factor)x" }
    let exponent = Int((Foundation.log10(factor)).rounded(.down))
    let scale = Foundation.pow(10, Double(1 - exponent))
    let rounded = (factor * scale).rounded() / scale
    if rounded >= 10 { return grouped(Int(factor.rounded())) + "x" }
    // Rounding may carry into the next power of ten (0.996 → 1.0): count the digits on the rounded value.
    let decimals = max(0, 1 - Int((Foundation.log10(rounded)).rounded(.down)))
    return String(format: "%.\(decimals)f", rounded) + "x" + (factor < 1 ? " (slower)" : "")
}

/// `1234567` → `"1,234,567"`.
public func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (value < 0 ? "-" : "") + out
}
