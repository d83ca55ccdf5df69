import CkptPrecompute

/// What `ckpt convert --dry-run` reports: what would be written, with the figures `ckpt plan` shows
/// (Converter+Sizes: exact for a plain table). README, "JSON output".
struct ConvertDryRunReport: CommandReport {
    var input: String
    var output: String
    let dryRun = true
    var outputFiles: [String]
    /// Empty with `--keep-original`.
    var removedTensors: [String]
    var tableRows: Int
    var tableWidth: Int
    var tableDtype: String
    var tableBytes: Int
    /// `none` or `zstd`.
    var tableCompression: String
    var inputBytes: Int
    var outputBytes: Int
    var removedBytes: Int
    var headCopyBytes: Int
    var changeBytes: Int
    var relativeChange: Double
    /// Text only: `--keep-original` was given.
    var keepOriginal: Bool

    enum CodingKeys: String, CodingKey {
        case input, output
        case dryRun = "dry_run"
        case outputFiles = "output_files"
        case removedTensors = "removed_tensors"
        case tableRows = "table_rows"
        case tableWidth = "table_width"
        case tableDtype = "table_dtype"
        case tableBytes = "table_bytes"
        case tableCompression = "table_compression"
        case inputBytes = "input_bytes"
        case outputBytes = "output_bytes"
        case removedBytes = "removed_bytes"
        case headCopyBytes = "head_copy_bytes"
        case changeBytes = "change_bytes"
        case relativeChange = "relative_change"
    }

    init(_ converter: Converter, sizes: ConversionSizes) {
        input = converter.input
        output = converter.output
        outputFiles = converter.outputPaths
        keepOriginal = converter.options.keepOriginal
        removedTensors = keepOriginal ? [] : converter.removedTensors
        tableRows = sizes.tableRows
        tableWidth = sizes.tableWidth
        tableDtype = sizes.tableType
        tableBytes = sizes.tableBytes
        tableCompression = converter.options.compressionLevel == nil ? "none" : "zstd"
        inputBytes = sizes.inputBytes
        outputBytes = sizes.outputBytes
        removedBytes = sizes.removedBytes
        headCopyBytes = sizes.headCopyBytes
        changeBytes = sizes.change
        relativeChange = sizes.relativeChange
    }

    var text: String {
        let what =
            keepOriginal
            ? "every original tensor kept (--keep-original)"
            : "replaces \(removedTensors.count) tensors: \(removedTensors.joined(separator: ", "))"
        let head = headCopyBytes > 0 ? ", the tied head's own copy of the embedding included" : ""
        let compressed = tableCompression == "none" ? "" : "; figures for the plain table, zstd's size is known once compressed"
        return "would write \(outputFiles.joined(separator: ", ")): table \(grouped(tableRows)) × \(grouped(tableWidth)) "
            + "\(tableDtype) (\(ByteCountText.format(tableBytes))), \(what); "
            + "\(ByteCountText.format(inputBytes)) → \(ByteCountText.format(outputBytes)) "
            + "(\(ByteCountText.percent(relativeChange))\(head))\(compressed)\n"
    }
}
