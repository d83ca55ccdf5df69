import CkptFormats
import CkptModels

extension PrecomputedTable {
    /// Layer 0's token-local part for `tokens`, read from the table instead of computed.
    func rows(_ tokens: [Int], of model: Model) throws(ModelError) -> TokenLocal {
        let reader = try TableRowReader(model: model)
        let widths = segmentWidths
        var local = TokenLocal(residual: [], q: [], k: [], v: [])
        local.residual.reserveCapacity(tokens.count * widths[0])
        for token in tokens {
            let row = try reader.row(token)
            var start = 0
            local.residual += row[start..<(start + widths[0])]
            start += widths[0]
            local.q += row[start..<(start + widths[1])]
            start += widths[1]
            local.k += row[start..<(start + widths[2])]
            start += widths[2]
            local.v += row[start..<(start + widths[3])]
        }
        return local
    }
}
