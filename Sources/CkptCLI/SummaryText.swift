import CkptFormats

/// Renders an inspect summary as aligned text for a terminal.
enum SummaryText {
    static func render(_ summary: JSONObject) -> String {
        var out = ""
        func line(_ text: String = "") { out += text + "\n" }
        line("format:        \(summary["format"]?.string ?? "?")")
        line("architecture:  \(summary["architecture"]?.string ?? "unknown")")
        for file in summary["files"]?.array ?? [] {
            line("file:          \(file.object?["path"]?.string ?? "") (\(file.object?["bytes"].map(text) ?? "") bytes)")
        }
        if let hyper = summary["hyperparameters"]?.object, hyper.count > 0 {
            line()
            line("hyperparameters:")
            let width = hyper.keys.map(\.count).max() ?? 0
            for (key, value) in hyper { line("  \(key.padding(width))  \(text(value))") }
        }
        let tensors = summary["tensors"]?.array ?? []
        line()
        line("tensors: \(tensors.count), \(summary["tensor_bytes"].map(text) ?? "0") bytes")
        let rows = tensors.compactMap(\.object).map { tensor in
            [
                tensor["name"]?.string ?? "", tensor["dtype"]?.string ?? "",
                "[" + (tensor["shape"]?.array ?? []).map(text).joined(separator: ", ") + "]",
                tensor["bytes"].map(text) ?? "",
            ]
        }
        let widths = (0..<4).map { column in max(["name", "dtype", "shape", "bytes"][column].count, rows.map { $0[column].count }.max() ?? 0) }
        for row in [["name", "dtype", "shape", "bytes"]] + rows {
            line("  " + zip(row, widths).map { $0.padding($1) }.joined(separator: "  ").trimmingTrailingSpaces)
        }
        if let metadata = summary["metadata"]?.object, metadata.count > 0 {
            line()
            line("metadata:")
            let width = metadata.keys.map(\.count).max() ?? 0
            for (key, value) in metadata { line("  \(key.padding(width))  \(text(value))") }
        }
        for warning in summary["warnings"]?.array ?? [] { line("warning: \(warning.string ?? "")") }
        return out
    }

    /// A compact one-line form of a value; summarized arrays read "[N × type] first, ...".
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        case .number(let n): return n.text
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items): return "[" + items.map(text).joined(separator: ", ") + "]"
        case .object(let object):
            if object["type"]?.string == "array", let count = object["count"], let head = object["head"]?.array {
                return "[\(text(count)) × \(object["element_type"]?.string ?? "?")] " + head.map(text).joined(separator: ", ") + ", …"
            }
            return value.serialized()
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
