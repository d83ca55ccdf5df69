extension ModelDescription {
    /// The most values a described model may hold: every weight matrix (all experts) plus its first-layer
    /// table, 2^48 (256 Ti; the largest published models hold under 2^41). Below it every size ckpt
    /// derives — bytes at 4 per value, a table with a tied head's copy, reads for a batch up to
    /// `maximumBatch` — fits an `Int`, and counts stay exact as `Double`s (docs/architectures.md,
    /// "Consistency checks").
    public static let maximumWeights = 1 << 48

    /// The largest batch `plan` analyses: `batch × row width` stays below 2^62 for any accepted model.
    public static let maximumBatch = 1 << 24

    /// `hidden / heads`, the head width when no key states it, refused when it would be 0.
    static func derivedHeadDim(hidden: Int, heads: Int, hiddenKey: String, headsKey: String, file: String) throws(ModelError) -> Int {
        guard hidden >= heads else {
            throw ModelError(
                file: file, "\(hiddenKey) \(hidden) is smaller than \(headsKey) \(heads): the head width would be 0 (no key states it)")
        }
        return hidden / heads
    }

    /// Every value the description holds against the others, before any of them becomes a size or a
    /// divisor (docs/architectures.md, "Consistency checks"): widths and counts at least 1, heads a
    /// multiple of key/value heads, RoPE over an even part of the head with a positive base, norm
    /// epsilons 0 or above, expert and latent-attention settings that agree, a window of 1 or more, and
    /// the model's values (`weightCount`) within `maximumWeights`.
    func validate(file: String) throws(ModelError) {
        func require(_ condition: Bool, _ problem: @autoclosure () -> String) throws(ModelError) {
            if !condition { throw ModelError(file: file, problem()) }
        }
        for (name, value) in [
            ("hidden size", hiddenSize), ("layer count", layerCount), ("vocabulary size", vocabSize), ("head count", headCount),
            ("key/value head count", kvHeadCount), ("head width", headDim), ("feed-forward width", feedForwardSize),
        ] {
            try require(value >= 1, "\(name) is \(value), it must be at least 1")
        }
        try require(
            headCount % kvHeadCount == 0, "\(headCount) heads are not a multiple of \(kvHeadCount) key/value heads")
        for (label, rope) in [("", rope)] + (slidingRope.map { [("sliding ", $0)] } ?? []) {
            try require(
                rope.dimensions > 0 && rope.dimensions <= headDim && rope.dimensions % 2 == 0,
                "\(label)rotary dimensions \(rope.dimensions) must be even and at most head_dim \(headDim)")
            try require(rope.theta > 0 && rope.theta.isFinite, "\(label)rope theta \(rope.theta) must be positive")
        }
        for (label, norm) in [("norm", norm)] + (qkNorm.map { [("q/k norm", $0.norm)] } ?? []) {
            try require(norm.eps >= 0 && norm.eps.isFinite, "\(label) epsilon \(norm.eps) must be 0 or above")
        }
        if let slidingWindow { try require(slidingWindow >= 1, "sliding_window is \(slidingWindow), it must be at least 1") }
        if let attentionChunkSize {
            try require(attentionChunkSize >= 1, "attention chunk size is \(attentionChunkSize), it must be at least 1")
        }
        if let experts { try experts.checkConsistency(file: file) }
        if let mla {
            try require(
                mla.latentRank >= 1 && mla.valueDim >= 1 && mla.noRopeDim >= 0 && (mla.queryRank ?? 1) >= 1,
                "latent attention ranks and widths must be at least 1")
            try require(
                mla.queryHeadDim == headDim && mla.ropeDim == rope.dimensions,
                "latent attention head width \(mla.noRopeDim) + \(mla.ropeDim) does not match head_dim \(headDim) "
                    + "and rotary dimensions \(rope.dimensions)")
        }
        let weights = weightCount
        try require(
            weights.map { $0 <= Self.maximumWeights } ?? false,
            "the model would hold \(weights.map { String($0) } ?? "more than 2^63") weights and table values, "
                + "more than the \(Self.maximumWeights) ckpt accepts")
    }

    /// Every weight matrix (all experts, the embedding and a head or its copy) plus the first-layer table
    /// (vocabulary × the row width), nil when the count overflows an `Int`.
    var weightCount: Int? {
        var total = CheckedCount(0)
        let d = CheckedCount(hiddenSize)
        let q = CheckedCount(headCount) * headDim
        let kv = CheckedCount(kvHeadCount) * headDim
        var attention = d * q * 2 + d * kv * 2
        if let mla {
            attention =
                d * q + d * (mla.latentRank + mla.ropeDim) + CheckedCount(mla.latentRank) * headCount * mla.keyValueHeadRows
                + CheckedCount(headCount) * mla.valueDim * hiddenSize + CheckedCount(mla.queryRank ?? 0) * (d + q)
        }
        let dense = d * feedForwardSize * 3
        var sparse = CheckedCount(0)
        if let experts {
            sparse =
                d * 3 * (CheckedCount(experts.feedForwardSize) * experts.count + (experts.sharedFeedForwardSize ?? 0))
                + CheckedCount(experts.count) * hiddenSize
        }
        let sparseLayers = experts?.layers.filter { (0..<layerCount).contains($0) }.count ?? 0
        total = total + attention * layerCount + dense * (layerCount - sparseLayers) + sparse * sparseLayers
        total = total + CheckedCount(vocabSize) * hiddenSize * 2
        total = total + CheckedCount(TableSegment.layout(for: self).rowWidth) * vocabSize
        return total.value
    }
}

extension ModelDescription.Experts {
    /// Counts that agree: at least one expert, 1 to `count` used, widths of 1 or more, and for grouped
    /// routing groups that divide the experts and keep at least as many as are used.
    func checkConsistency(file: String) throws(ModelError) {
        func require(_ condition: Bool, _ problem: @autoclosure () -> String) throws(ModelError) {
            if !condition { throw ModelError(file: file, problem()) }
        }
        try require(count >= 1, "expert count is \(count), it must be at least 1")
        try require(used >= 1 && used <= count, "\(used) experts used per token, outside 1 to the \(count) experts")
        try require(feedForwardSize >= 1, "expert feed-forward width is \(feedForwardSize), it must be at least 1")
        if let shared = sharedFeedForwardSize { try require(shared >= 1, "shared expert width is \(shared), it must be at least 1") }
        switch routing {
        case .softmaxGroupLimited(let groups, let kept, _), .sigmoidGroupLimited(let groups, let kept, _):
            try require(
                groups >= 1 && count % groups == 0 && kept >= 1 && kept <= groups && used <= kept * (count / groups),
                "\(count) experts in \(groups) groups, \(kept) kept, cannot supply \(used) experts per token")
        default:
            break
        }
    }
}

/// A count that becomes nil once any sum or product overflows an `Int`, for size formulas over values
/// a file states.
struct CheckedCount {
    let value: Int?

    init(_ value: Int?) { self.value = value }

    static func * (lhs: CheckedCount, rhs: Int) -> CheckedCount { lhs * CheckedCount(rhs) }

    static func * (lhs: CheckedCount, rhs: CheckedCount) -> CheckedCount {
        guard let a = lhs.value, let b = rhs.value, a >= 0, b >= 0 else { return CheckedCount(nil) }
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return CheckedCount(overflow ? nil : product)
    }

    static func + (lhs: CheckedCount, rhs: Int) -> CheckedCount { lhs + CheckedCount(rhs) }

    static func + (lhs: CheckedCount, rhs: CheckedCount) -> CheckedCount {
        guard let a = lhs.value, let b = rhs.value, a >= 0, b >= 0 else { return CheckedCount(nil) }
        let (sum, overflow) = a.addingReportingOverflow(b)
        return CheckedCount(overflow ? nil : sum)
    }
}
