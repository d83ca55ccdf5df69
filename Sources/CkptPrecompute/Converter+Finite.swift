import CkptFormats
import CkptModels

extension Converter {
    /// Rows decoded at once while scanning a tensor, so a large embedding is never held whole.
    static let finiteScanRows = 4096

    /// Refuses NaN and infinity in the tensors the table is computed from (`Model.firstLayerTableTensors`:
    /// layer 0's token-local tensors and the embedding), naming the tensor, unless
    /// `ConversionOptions.allowNonFinite`; the computed rows are checked as they are made
    /// (`FirstLayerTable.rows`). Tensors of later layers are not read (docs/architectures.md, "Non-finite values").
    func checkFiniteSource() throws(ModelError) {
        guard !options.allowNonFinite else { return }
        for name in model.firstLayerTableTensors {
            guard let tensor = source.tensor(named: name) else { continue }
            let rows = tensor.shape.count == 2 ? tensor.shape[0] : 1
            for start in stride(from: 0, to: rows, by: Self.finiteScanRows) {
                let range = start..<min(rows, start + Self.finiteScanRows)
                let values: [Float]
                do {
                    values = try source.floats(of: tensor, rows: tensor.shape.count == 2 ? range : nil)
                } catch {
                    throw ModelError(error)
                }
                if let index = values.firstIndex(where: { !$0.isFinite }) {
                    let flat = (tensor.shape.count == 2 ? start * tensor.rowLength : 0) + index
                    throw ModelError(file: source.files[tensor.fileIndex].path, Self.nonFiniteProblem(name, values[index], at: flat))
                }
            }
        }
    }

    /// `TENSOR: value N is nan; …`, the refusal's text.
    static func nonFiniteProblem(_ name: String, _ value: Float, at index: Int) -> String {
        "\(name): value \(index) is \(value), not a finite number (--allow-nonfinite converts anyway)"
    }
}
