import Foundation

/// Logit differences between a base model and a candidate over the same token positions, reported
/// exactly as llama.cpp's `llama-perplexity --kl-divergence` prints its "KL divergence statistics"
/// and "Token probability statistics" blocks (same labels and number formats, so the scripts people
/// already use parse them), plus max/RMS |Δlogit| and NMSE with the tiers of llama.cpp's
/// model-conversion check-nmse.py.
public struct DivergenceStatistics: Sendable {
    public private(set) var kld: [Double] = []
    /// p(candidate, next token) − p(base, next token), per position with a next token.
    public private(set) var probabilityDifferences: [Double] = []
    public private(set) var sameTop = 0
    /// Top-1 changes where the base model's own margin between the two tokens exceeds float noise
    /// (1e-4 relative): the changes that are not ties.
    public private(set) var decisiveTopChanges = 0
    public private(set) var maxAbsoluteDifference = 0.0
    private var squaredDifferenceSum = 0.0
    private var referenceSum = 0.0
    private var referenceSquareSum = 0.0
    private var valueCount = 0

    public init() {}

    public var count: Int { kld.count }

    /// Adds one position: both models' logits over the vocabulary, and the token that came next.
    public mutating func add(base: ArraySlice<Float>, candidate: ArraySlice<Float>, nextToken: Int) {
        let p = Self.logSoftmax(base)
        let q = Self.logSoftmax(candidate)
        var divergence = 0.0
        for i in p.indices where p[i] > -.infinity {
            divergence += exp(p[i]) * (p[i] - q[i])
        }
        kld.append(max(0, divergence))
        probabilityDifferences.append(exp(q[nextToken]) - exp(p[nextToken]))
        let (baseTop, candidateTop) = (Self.argmax(base), Self.argmax(candidate))
        if baseTop == candidateTop {
            sameTop += 1
        } else {
            let top = base[base.startIndex + baseTop]
            let margin = top - base[base.startIndex + candidateTop]
            if margin > 1e-4 * max(1, abs(top)) { decisiveTopChanges += 1 }
        }
        for (a, b) in zip(base, candidate) {
            let difference = Double(b) - Double(a)
            maxAbsoluteDifference = max(maxAbsoluteDifference, abs(difference))
            squaredDifferenceSum += difference * difference
            referenceSum += Double(a)
            referenceSquareSum += Double(a) * Double(a)
        }
        valueCount += base.count
    }

    public var meanKLD: Double { kld.isEmpty ? 0 : kld.reduce(0, +) / Double(kld.count) }
    public var sameTopFraction: Double { count == 0 ? 0 : Double(sameTop) / Double(count) }
    /// Share of positions whose top-1 is unchanged or changed only between near-tied tokens.
    public var sameTopOutsideTiesFraction: Double { count == 0 ? 0 : 1 - Double(decisiveTopChanges) / Double(count) }
    public var rmsDifference: Double { valueCount == 0 ? 0 : (squaredDifferenceSum / Double(valueCount)).squareRoot() }

    /// Mean squared logit difference over the base logits' variance (check-nmse.py).
    public var nmse: Double {
        guard valueCount > 0 else { return 0 }
        let mse = squaredDifferenceSum / Double(valueCount)
        let mean = referenceSum / Double(valueCount)
        let variance = referenceSquareSum / Double(valueCount) - mean * mean
        return variance > 0 ? mse / variance : (mse > 0 ? .infinity : 0)
    }

    /// check-nmse.py's words for an NMSE value.
    public static func tier(_ nmse: Double) -> String {
        switch nmse {
        case 0: "Perfect match"
        case ..<1e-6: "Essentially identical"
        case ..<1e-4: "Excellent match"
        case ..<1e-3: "Very good match"
        case ..<1e-2: "Good match"
        case ..<0.1: "Acceptable match"
        case ..<1.0: "Poor match"
        default: "Very poor match (worse than noise)"
        }
    }

    /// The two llama-perplexity blocks and the NMSE lines.
    public var report: String {
        var lines: [String] = []
        let sortedKLD = kld.sorted()
        let sortedDelta = probabilityDifferences.sorted()
        let (klMean, klError) = Self.meanAndUncertainty(kld)
        lines.append("====== KL divergence statistics ======")
        lines.append("Mean    KLD: \(f("%10.6f", klMean)) ± \(f("%10.6f", klError))")
        lines.append("Maximum KLD: \(f("%10.6f", sortedKLD.last ?? 0))")
        for (label, fraction) in [("99.9%", 0.999), ("99.0%", 0.990), ("95.0%", 0.950), ("90.0%", 0.900)] {
            lines.append("\(label)   KLD: \(f("%10.6f", Self.percentile(sortedKLD, fraction)))")
        }
        lines.append("Median  KLD: \(f("%10.6f", Self.median(sortedKLD)))")
        for (label, fraction) in [("10.0%", 0.100), (" 5.0%", 0.050), (" 1.0%", 0.010), (" 0.1%", 0.001)] {
            lines.append("\(label)   KLD: \(f("%10.6f", Self.percentile(sortedKLD, fraction)))")
        }
        lines.append("Minimum KLD: \(f("%10.6f", sortedKLD.first ?? 0))")
        lines.append("")
        lines.append("====== Token probability statistics ======")
        let (dpMean, dpError) = Self.meanAndUncertainty(probabilityDifferences)
        lines.append("Mean    Δp: \(f("%6.3f", 100 * dpMean)) ± \(f("%5.3f", 100 * dpError)) %")
        lines.append("Maximum Δp: \(f("%6.3f", 100 * (sortedDelta.last ?? 0)))%")
        for (label, fraction) in [("99.9%", 0.999), ("99.0%", 0.990), ("95.0%", 0.950), ("90.0%", 0.900), ("75.0%", 0.750)] {
            lines.append("\(label)   Δp: \(f("%6.3f", 100 * Self.percentile(sortedDelta, fraction)))%")
        }
        lines.append("Median  Δp: \(f("%6.3f", 100 * Self.median(sortedDelta)))%")
        for (label, fraction) in [("25.0%", 0.250), ("10.0%", 0.100), (" 5.0%", 0.050), (" 1.0%", 0.010), (" 0.1%", 0.001)] {
            lines.append("\(label)   Δp: \(f("%6.3f", 100 * Self.percentile(sortedDelta, fraction)))%")
        }
        lines.append("Minimum Δp: \(f("%6.3f", 100 * (sortedDelta.first ?? 0)))%")
        let (mse, mseError) = Self.meanAndUncertainty(probabilityDifferences.map { $0 * $0 })
        let rms = mse.squareRoot()
        let rmsError = rms > 0 ? 0.5 / rms * mseError : 0
        lines.append("RMS Δp    : \(f("%6.3f", 100 * rms)) ± \(f("%5.3f", 100 * rmsError)) %")
        let same = sameTopFraction
        let sameError = count > 1 ? (same * (1 - same) / Double(count - 1)).squareRoot() : 0
        lines.append("Same top p: \(f("%6.3f", 100 * same)) ± \(f("%5.3f", 100 * sameError)) %")
        lines.append("")
        lines.append("Top-1 changes outside near-ties: \(decisiveTopChanges) of \(count - sameTop) changes")
        lines.append("")
        lines.append("Max |Δlogit|: \(f("%.6e", maxAbsoluteDifference))")
        lines.append("RMS |Δlogit|: \(f("%.6e", rmsDifference))")
        let nmseDB = nmse > 0 ? f("%.2f dB", 10 * log10(nmse)) : "-inf dB"
        lines.append("NMSE:         \(f("%.6e", nmse)) (\(nmseDB)): \(Self.tier(nmse))")
        return lines.joined(separator: "\n") + "\n"
    }

    private func f(_ format: String, _ value: Double) -> String { String(format: format, value) }

    /// llama-perplexity's mean and its uncertainty (0 for fewer than 11 values).
    public static func meanAndUncertainty(_ values: [Double]) -> (Double, Double) {
        guard !values.isEmpty else { return (0, 0) }
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let variance = values.reduce(0) { $0 + $1 * $1 } / n - mean * mean
        return (mean, variance > 0 && values.count > 10 ? (variance / (n - 1)).squareRoot() : 0)
    }

    /// Linear interpolation between neighbours, as llama-perplexity computes percentiles.
    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard let first = sorted.first, let last = sorted.last else { return 0 }
        if fraction <= 0 { return first }
        if fraction >= 1 { return last }
        let position = fraction * Double(sorted.count - 1)
        let index = Int(position)
        let weight = position - Double(index)
        return (1 - weight) * sorted[index] + weight * sorted[min(index + 1, sorted.count - 1)]
    }

    static func median(_ sorted: [Double]) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 0 ? 0.5 * (sorted[sorted.count / 2] + sorted[sorted.count / 2 - 1]) : sorted[sorted.count / 2]
    }

    static func logSoftmax(_ logits: ArraySlice<Float>) -> [Double] {
        let maximum = Double(logits.max() ?? 0)
        let sum = logits.reduce(0.0) { $0 + exp(Double($1) - maximum) }
        let shift = maximum + log(sum)
        return logits.map { Double($0) - shift }
    }

    static func argmax(_ logits: ArraySlice<Float>) -> Int {
        var best = logits.startIndex
        for i in logits.indices where logits[i] > logits[best] { best = i }
        return best - logits.startIndex
    }
}
