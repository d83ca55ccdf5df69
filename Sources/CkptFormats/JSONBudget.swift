import CkptJSON
import CkptStorage

/// The limits on the JSON a checkpoint brings — config.json, `model.safetensors.index.json`, the
/// safetensors header — that keep the memory of reading it under about 4× its size (and far under
/// 512 MB) whatever the input (README.md, "What the readers check"): a size limit per kind of file, and
/// a budget of items (`JSONParser.maxItems`: a value one, a key four more), since a parsed value takes
/// tens of bytes where the JSON can spend two (`0,`). Up to `minimumItems` (~36 MB parsed) any file
/// passes; above, one item per `bytesPerItem` bytes, so the tree stays under 2.5× the JSON, 3.5×
/// with the mapped bytes.
public enum JSONBudget {
    /// config.json: published ones are a few KiB, the largest (label maps) well under 1 MiB.
    public static let configBytes = 16 << 20
    /// The shard index: about 100 bytes per tensor, so 64 MiB is some 600,000 tensors.
    public static let indexBytes = 64 << 20
    /// Items allowed whatever the size: some 40,000 tensor entries of a safetensors header (24 items in
    /// ~100 bytes each), where real ones hold a few thousand at most.
    public static let minimumItems = 1 << 20
    /// Above `minimumItems`, one item per this many bytes of JSON on average.
    public static let bytesPerItem = 16

    /// The items `bytes` bytes of JSON may hold.
    public static func maxItems(forBytes bytes: Int) -> Int { max(minimumItems, bytes / bytesPerItem) }

    /// Parses `bytes`, the JSON of `file`, within `maxBytes` and the value budget. `part` names what
    /// of the file the JSON is (the safetensors "header"), nil for a whole file; `offset` is where
    /// `bytes` start in the file, for the error's position.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer, file: String, part: String? = nil, maxBytes: Int, offset: Int = 0
    ) throws(FormatError) -> JSONValue {
        let subject = part.map { $0 + " " } ?? ""
        guard bytes.count <= maxBytes else {
            throw FormatError(file: file, "\(subject)is \(bytes.count) bytes, more than the \(maxBytes >> 20) MiB limit")
        }
        do {
            return try JSONParser(maxItems: maxItems(forBytes: bytes.count)).parse(bytes)
        } catch {
            guard error.exceedsBudget else {
                throw FormatError(file: file, "\(subject)is not valid JSON: \(error.message)", offset: offset + error.offset)
            }
            throw FormatError(
                file: file,
                "\(subject)\(error.message), the budget for \(bytes.count) bytes of JSON (a value counts 1, a key "
                    + "\(JSONParser.keyItems) more; one item per \(bytesPerItem) bytes, at least \(minimumItems))",
                offset: offset + error.offset)
        }
    }
}
