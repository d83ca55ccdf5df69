/// The worst element-wise disagreement between two float sequences.
public struct Mismatch: CustomStringConvertible, Sendable {
    public var index: Int
    public var actual: Float
    public var expected: Float
    public var difference: Float
    public var description: String {
        "worst at index \(index): got \(actual), expected \(expected) (|Δ| = \(difference))"
    }
}

/// Compares element-wise with `|a - e| <= atol + rtol * |e|`; returns the worst offender if any fails.
/// NaNs compare equal only to NaNs (bit patterns are not compared).
public func firstMismatch(
    _ actual: some Collection<Float>, _ expected: some Collection<Float>,
    atol: Float, rtol: Float = 0
) -> Mismatch? {
    precondition(actual.count == expected.count, "length \(actual.count) vs \(expected.count)")
    var worst: Mismatch?
    var worstExcess: Float = 0
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        if a.isNaN && e.isNaN { continue }
        if a == e { continue }
        let diff = a.isNaN || e.isNaN ? Float.infinity : abs(a - e)
        let excess = diff - (atol + rtol * abs(e))
        if excess > 0 && (worst == nil || excess > worstExcess) {
            worst = Mismatch(index: i, actual: a, expected: e, difference: diff)
            worstExcess = excess
        }
    }
    return worst
}
