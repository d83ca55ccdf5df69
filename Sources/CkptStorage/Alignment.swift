/// `value` rounded up to a multiple of `alignment` (a power of two), or nil on overflow.
@inlinable
public func alignUp(_ value: Int, to alignment: Int) -> Int? {
    let (sum, overflow) = value.addingReportingOverflow(alignment - 1)
    guard !overflow else { return nil }
    return sum & ~(alignment - 1)
}
