/// The token-local part of one block for `n` tokens: the residual stream the block adds attention to
/// (`x`, or `x + FFN(norm(x)) + b_o` for parallel blocks) and the pre-RoPE q, k, v. For layer 0 this
/// is the precomputed table's row layout `[residual | q | k | v]`.
public struct TokenLocal: Sendable {
    /// `(n, d)`.
    public var residual: [Float]
    /// `(n, heads·headDim)`.
    public var q: [Float]
    /// `(n, kvHeads·headDim)`.
    public var k: [Float]
    /// `(n, kvHeads·headDim)`.
    public var v: [Float]

    public init(residual: [Float], q: [Float], k: [Float], v: [Float]) {
        self.residual = residual
        self.q = q
        self.k = k
        self.v = v
    }

    /// The precomputed table's rows for these `count` tokens: `[residual | q | k | v]` each, row-major.
    public func tableRows(count: Int) -> [Float] {
        let widths = [residual, q, k, v].map { count == 0 ? 0 : $0.count / count }
        var out = [Float]()
        out.reserveCapacity(residual.count + q.count + k.count + v.count)
        for r in 0..<count {
            for (part, width) in zip([residual, q, k, v], widths) { out += part[(r * width)..<((r + 1) * width)] }
        }
        return out
    }

    /// Splits table rows `[residual | q | k | v]` (segments `segmentWidths` wide) into the four parts.
    public init(tableRows rows: some Collection<Float>, segmentWidths widths: [Int]) {
        var parts: [[Float]] = [[], [], [], []]
        let width = widths.reduce(0, +)
        let count = width == 0 ? 0 : rows.count / width
        for index in parts.indices { parts[index].reserveCapacity(count * widths[index]) }
        var position = rows.startIndex
        for _ in 0..<count {
            for index in parts.indices {
                let end = rows.index(position, offsetBy: widths[index])
                parts[index] += rows[position..<end]
                position = end
            }
        }
        self.init(residual: parts[0], q: parts[1], k: parts[2], v: parts[3])
    }
}
