import CkptFormats
import CkptModels

extension PrecomputedTable {
    /// Layer 0's token-local part for `tokens`, read from the table instead of computed.
    func rows(_ tokens: [Int], of model: Model) throws(ModelError) -> TokenLocal {
        let reader = try TableRowReader(model: model)
        var rows: [Float] = []
        rows.reserveCapacity(tokens.count * rowWidth)
        for token in tokens { rows += try reader.row(token) }
        return TokenLocal(tableRows: rows, segments: segments)
    }
}
