import Foundation

/// What `ckpt decompress` reports after writing (README, "JSON output").
struct DecompressReport: Codable, CommandReport {
    var input: String
    /// The output's first file (a split GGUF's first shard), or its directory.
    var output: String
    var inputBytes: Int
    var outputBytes: Int
    var seconds: Double

    enum CodingKeys: String, CodingKey {
        case input, output
        case inputBytes = "input_bytes"
        case outputBytes = "output_bytes"
        case seconds
    }

    var text: String {
        "wrote \(output): the plain table, \(ByteCountText.format(inputBytes)) → \(ByteCountText.format(outputBytes)) "
            + "in \(String(format: "%.1f", seconds)) s\n"
    }
}
