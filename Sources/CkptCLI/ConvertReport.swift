import CkptFormats
import CkptPrecompute
import Foundation

/// What `ckpt convert` reports after writing (README, "JSON output").
struct ConvertReport: Codable, CommandReport {
    var input: String
    var output: String
    var format: Checkpoint.Format
    var tableRows: Int
    var tableWidth: Int
    var tableDtype: String
    var tableBytes: Int
    /// Bytes of the zstd frames and their index; nil (`null`) without `--compress`.
    var compressedTableBytes: Int?
    var removedTensors: [String]
    var passedThrough: Int
    var inputBytes: Int
    var outputBytes: Int
    var seconds: Double
    var tableSeconds: Double
    var tableGflops: Double

    enum CodingKeys: String, CodingKey {
        case input, output, format
        case tableRows = "table_rows"
        case tableWidth = "table_width"
        case tableDtype = "table_dtype"
        case tableBytes = "table_bytes"
        case compressedTableBytes = "compressed_table_bytes"
        case removedTensors = "removed_tensors"
        case passedThrough = "passed_through"
        case inputBytes = "input_bytes"
        case outputBytes = "output_bytes"
        case seconds
        case tableSeconds = "table_seconds"
        case tableGflops = "table_gflops"
    }

    init(_ summary: ConversionSummary) {
        input = summary.input
        output = summary.output
        format = summary.format
        tableRows = summary.tableRows
        tableWidth = summary.tableWidth
        tableDtype = summary.tableType
        tableBytes = summary.tableBytes
        compressedTableBytes = summary.compressedTableBytes
        removedTensors = summary.removedTensors
        passedThrough = summary.passedThrough
        inputBytes = summary.inputBytes
        outputBytes = summary.outputBytes
        seconds = summary.seconds
        tableSeconds = summary.tableSeconds
        tableGflops = summary.tableFlops / max(summary.tableSeconds, 1e-9) / 1e9
    }

    var text: String {
        let change = Double(outputBytes - inputBytes) / Double(max(1, inputBytes))
        let compressed =
            compressedTableBytes.map {
                " (zstd: \(ByteCountText.format($0)), " + String(format: "%.1f%%", Double($0) / Double(max(1, tableBytes)) * 100) + ")"
            } ?? ""
        return "wrote \(output): table \(grouped(tableRows)) × \(grouped(tableWidth)) \(tableDtype)\(compressed), "
            + "\(removedTensors.count) tensors replaced, \(passedThrough) passed through, "
            + "\(ByteCountText.format(inputBytes)) → \(ByteCountText.format(outputBytes)) (\(ByteCountText.percent(change))) "
            + "in \(String(format: "%.1f", seconds)) s\n"
    }
}
