import CkptModels

/// The token-local part of one block for `n` tokens: the residual stream the block adds attention to
/// (`x`, or `x + FFN(norm(x)) + b_o` for parallel blocks) and the pre-RoPE q, k, v; for multi-head
/// latent attention q, the normalised latent and `k_pe` instead of k and v (the parts a model does not
/// have are empty). For layer 0 this is what a precomputed table's row holds (`TableSegment`).
public struct TokenLocal: Sendable {
    /// `(n, d)`.
    public var residual: [Float]
    /// `(n, heads·headDim)`.
    public var q: [Float]
    /// `(n, kvHeads·headDim)`.
    public var k: [Float]
    /// `(n, kvHeads·headDim)`.
    public var v: [Float]
    /// MLA: `(n, kv_lora_rank)`, `c_kv` after `kv_a_layernorm`.
    public var latent: [Float]
    /// MLA: `(n, qk_rope_head_dim)`, the shared key head before RoPE.
    public var keyRope: [Float]

    public init(residual: [Float], q: [Float], k: [Float], v: [Float]) {
        self.init(residual: residual, q: q, k: k, v: v, latent: [], keyRope: [])
    }

    /// Multi-head latent attention's parts.
    public init(residual: [Float], q: [Float], latent: [Float], keyRope: [Float]) {
        self.init(residual: residual, q: q, k: [], v: [], latent: latent, keyRope: keyRope)
    }

    private init(residual: [Float], q: [Float], k: [Float], v: [Float], latent: [Float], keyRope: [Float]) {
        self.residual = residual
        self.q = q
        self.k = k
        self.v = v
        self.latent = latent
        self.keyRope = keyRope
    }

    /// The parts of several token runs, one after another.
    init(stacking parts: [TokenLocal]) {
        self.init(
            residual: parts.flatMap(\.residual), q: parts.flatMap(\.q), k: parts.flatMap(\.k), v: parts.flatMap(\.v),
            latent: parts.flatMap(\.latent), keyRope: parts.flatMap(\.keyRope))
    }

    /// The parts of tokens `range` of these `count`.
    func rows(_ range: Range<Int>, of count: Int) -> TokenLocal {
        func slice(_ part: [Float]) -> [Float] {
            let width = count == 0 ? 0 : part.count / count
            return Array(part[(range.lowerBound * width)..<(range.upperBound * width)])
        }
        return TokenLocal(
            residual: slice(residual), q: slice(q), k: slice(k), v: slice(v), latent: slice(latent), keyRope: slice(keyRope))
    }

    /// Whether every part holds the same bits as `other`'s (so anything computed from them is too).
    func sameBits(as other: TokenLocal) -> Bool {
        func same(_ a: [Float], _ b: [Float]) -> Bool {
            a.count == b.count && a.withUnsafeBytes { x in b.withUnsafeBytes { y in x.elementsEqual(y) } }
        }
        return same(residual, other.residual) && same(q, other.q) && same(k, other.k) && same(v, other.v)
            && same(latent, other.latent) && same(keyRope, other.keyRope)
    }

    /// The part a table segment of `kind` holds.
    func part(_ kind: TableSegment.Kind) -> [Float] {
        switch kind {
        case .residual, .residualWithFeedForward: residual
        case .q: q
        case .k: k
        case .v: v
        case .latent: latent
        case .keyRope: keyRope
        }
    }

    /// The precomputed table's rows for these `count` tokens, each the `segments` in order, row-major.
    public func tableRows(count: Int, segments: [TableSegment]) -> [Float] {
        let parts = segments.map { part($0.kind) }
        var out = [Float]()
        out.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for r in 0..<count {
            for (part, segment) in zip(parts, segments) { out += part[(r * segment.width)..<((r + 1) * segment.width)] }
        }
        return out
    }

    /// Splits table rows laid out as `segments` into the parts they hold.
    public init(tableRows rows: some Collection<Float>, segments: [TableSegment]) {
        var parts: [TableSegment.Kind: [Float]] = [:]
        let width = segments.reduce(0) { $0 + $1.width }
        let count = width == 0 ? 0 : rows.count / width
        var position = rows.startIndex
        for _ in 0..<count {
            for segment in segments {
                let end = rows.index(position, offsetBy: segment.width)
                parts[segment.kind, default: []] += rows[position..<end]
                position = end
            }
        }
        self.init(
            residual: parts[.residual] ?? parts[.residualWithFeedForward] ?? [], q: parts[.q] ?? [], k: parts[.k] ?? [],
            v: parts[.v] ?? [], latent: parts[.latent] ?? [], keyRope: parts[.keyRope] ?? [])
    }
}
