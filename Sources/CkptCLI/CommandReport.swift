import CkptFormats
import CkptJSON

/// What a command prints: with `--json` the value itself, through `JSONValueEncoder` (README, "JSON
/// output"), else `text`, rendered from the same value.
protocol CommandReport: Encodable {
    /// The text output, each line ending in a newline.
    var text: String { get }
}

extension CommandReport {
    /// Prints the JSON (pretty-printed, keys in `CodingKeys` order) or the text.
    func print(json: Bool) throws {
        if json {
            Swift.print(try JSONValueEncoder().encode(self).serialized(options: .prettyPrinted))
        } else {
            Swift.print(text, terminator: "")
        }
    }
}
