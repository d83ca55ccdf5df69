import CkptFormats
import CkptModels

extension Model {
    /// The f32 values of `role`'s tensor, or nil when the checkpoint has none.
    func floats(_ role: TensorRole, layer: Int = 0, expert: Int? = nil, head: Int? = nil) throws(ModelError) -> [Float]? {
        guard let tensor = tensor(role, layer: layer, expert: expert, head: head) else { return nil }
        return try decode(tensor, rows: nil)
    }

    /// Rows `rows` of a 2-D (or 3-D, as `[outer·rows, last]`) tensor, as f32.
    func decode(_ tensor: TensorInfo, rows: Range<Int>?) throws(ModelError) -> [Float] {
        do {
            return try checkpoint.floats(of: tensor, rows: rows)
        } catch {
            throw ModelError(error)
        }
    }
}
