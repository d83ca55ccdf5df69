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
}
