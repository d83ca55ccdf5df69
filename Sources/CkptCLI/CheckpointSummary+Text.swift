import CkptFormats
import CkptJSON

/// `ckpt inspect`'s text: the summary as aligned text for a terminal.
extension CheckpointSummary: CommandReport {
    var text: String {
        var out = ""
        func line(_ text: String = "") { out += text + "\n" }
        line("format:        \(format.rawValue)")
        line("architecture:  \(architecture ?? "unknown")")
        for file in files { line("file:          \(file.path) (\(file.bytes) bytes)") }
        if hyperparameters.count > 0 {
            line()
            line("hyperparameters:")
            let width = hyperparameters.map(\.key.count).max() ?? 0
            for (key, value) in hyperparameters { line("  \(key.padding(width))  \(value.text)") }
        }
        line()
        line("tensors: \(tensorCount), \(tensorBytes) bytes")
        let header = ["name", "dtype", "shape", "bytes"]
        let rows = tensors.map { tensor in
            [tensor.name, tensor.dtype, "[" + tensor.shape.map(String.init).joined(separator: ", ") + "]", String(tensor.bytes)]
        }
        let widths = header.indices.map { column in max(header[column].count, rows.map { $0[column].count }.max() ?? 0) }
        for row in [header] + rows {
            line("  " + zip(row, widths).map { $0.padding($1) }.joined(separator: "  ").trimmingTrailingSpaces)
        }
        if metadata.count > 0 {
            line()
            line("metadata:")
            let width = metadata.map(\.key.count).max() ?? 0
            for (key, value) in metadata { line("  \(key.padding(width))  \(value.text)") }
        }
        for warning in warnings { line("warning: \(warning)") }
        return out
    }
}

extension SummaryValue {
    /// A compact one-line form; previews read "[N × type] first, ..., …".
    var text: String {
        switch self {
        case .json(let value): Self.text(value)
        case .array(let elements): "[" + elements.map(\.text).joined(separator: ", ") + "]"
        case .preview(let preview):
            "[\(preview.count) × \(preview.elementType)] " + preview.head.map(\.text).joined(separator: ", ") + ", …"
        }
    }

    /// Strings bare, numbers as written, arrays element by element, objects as compact JSON.
    private static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .number(let n): n.text
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        case .array(let elements): "[" + elements.map(text).joined(separator: ", ") + "]"
        case .object: value.serialized()
        }
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }

    /// Left-aligned, padded with spaces to `width` characters.
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
