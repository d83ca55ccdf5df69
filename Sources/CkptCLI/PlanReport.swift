import CkptModels
import CkptPrecompute

/// What `ckpt plan` reports (README, "Commands" and "JSON output"): the paper's rows, the table's and
/// the output's sizes per table type, and the verdict.
struct PlanReport: CommandReport {
    /// One row of the paper's analysis (docs/paper-formulas.md, "Report rows"): `value` exact, `text` as printed.
    struct Row: Encodable {
        var label: String
        var value: FirstLayerPlan.Value
        var text: String
    }

    /// One table type's figures: measured on the file when `sizes` is set (every other key null
    /// without it), else the table alone.
    struct TableSize: Encodable {
        var name: String
        var tableBytes: Int
        var sizes: ConversionSizes?

        enum CodingKeys: String, CodingKey {
            case tableDtype = "table_dtype"
            case auto
            case tableBytes = "table_bytes"
            case outputBytes = "output_bytes"
            case removedBytes = "removed_bytes"
            case headCopyBytes = "head_copy_bytes"
            case changeBytes = "change_bytes"
            case relativeChange = "relative_change"
            case tokenReadsSavedBytes = "token_reads_saved_bytes"
            case verdict
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .tableDtype)
            try container.encode(sizes?.isAuto, forKey: .auto)
            try container.encode(tableBytes, forKey: .tableBytes)
            try container.encode(sizes?.outputBytes, forKey: .outputBytes)
            try container.encode(sizes?.removedBytes, forKey: .removedBytes)
            try container.encode(sizes?.headCopyBytes, forKey: .headCopyBytes)
            try container.encode(sizes?.change, forKey: .changeBytes)
            try container.encode(sizes?.relativeChange, forKey: .relativeChange)
            try container.encode(sizes.map { $0.tokenReadsWithout - $0.tokenReadsWith }, forKey: .tokenReadsSavedBytes)
            try container.encode(sizes?.verdict.word, forKey: .verdict)
        }
    }

    /// The verdict by the rule at B=1 (README, "When is the trick a loss?"): in bytes for the table type
    /// `convert` picks by default when the file was measured, else in values.
    struct Verdict: Encodable {
        var unit: FirstLayerVerdict.Unit
        /// The auto table type; nil (`null`) for a verdict in values.
        var tableDtype: String?
        var readsSavedPerToken: Int
        var memoryAdded: Int
        var loss: Bool
        var rule = FirstLayerVerdict.rule
        /// The verdict in one sentence, as printed.
        var text: String

        enum CodingKeys: String, CodingKey {
            case unit
            case tableDtype = "table_dtype"
            case readsSavedPerToken = "reads_saved_per_token"
            case memoryAdded = "memory_added"
            case loss, rule, text
        }

        init(_ verdict: FirstLayerVerdict, tableType: String?) {
            unit = verdict.unit
            tableDtype = tableType
            readsSavedPerToken = verdict.readsSaved
            memoryAdded = verdict.memoryAdded
            loss = verdict.isLoss
            text = Self.sentence(verdict, tableType: tableType)
        }

        /// The verdict in one sentence: bytes of the auto table type, or values.
        static func sentence(_ verdict: FirstLayerVerdict, tableType: String?) -> String {
            let bytes = verdict.unit == .bytes
            func amount(_ n: Int) -> String { bytes ? ByteCountText.format(n) : grouped(n) + " values" }
            let memory = bytes ? "the file" : "memory"
            let head =
                bytes
                ? "Verdict (\(tableType ?? "?"), the table type convert picks by default): "
                : "Verdict in values (the table and the weights taking the same bytes per value): "
            let saved = verdict.readsSaved
            guard saved > 0 else {
                return head + "loss: at B=1 one token reads \(amount(-saved)) more in layer 0 with the table."
            }
            let reads = "at B=1 one token reads " + (bytes ? "\(amount(saved)) less" : "\(grouped(saved)) fewer values") + " in layer 0"
            if verdict.memoryAdded <= 0 {
                return head + "win: \(reads), and \(memory) shrinks by \(amount(-verdict.memoryAdded))."
            }
            if verdict.isLoss {
                return head + "loss: \(reads), but \(memory) grows by \(amount(verdict.memoryAdded)), "
                    + factorText(Double(verdict.memoryAdded) / Double(saved)) + " as much."
            }
            return head + "win: \(reads), and \(memory) grows by only \(amount(verdict.memoryAdded)), "
                + factorText(Double(verdict.memoryAdded) / Double(saved)) + " that."
        }
    }

    var architecture: String
    /// `serial` or `parallel`, as the model is; `assumeParallel` says how it was analysed.
    var block: String
    var assumeParallel: Bool
    var tableWidth: Int
    var vocabSize: Int
    var modelWeights: Int
    var routerWeightsPerLayer: Int
    /// The paper leaves MoE router weights out, and so does every count here.
    let routerCounted = false
    var rows: [Row]
    /// The input's bytes; nil (`null`) when the file was not measured.
    var inputBytes: Int?
    var tableSizes: [TableSize]
    var verdict: Verdict
    /// Text only: the hidden size d, and the key/value width `e = …` (MLA: the latent and `k_pe` each token caches).
    var hiddenSize: Int
    var keyValueText: String
    /// Text only: what the counts leave out of an MoE model.
    var routerNote: String?
    /// Text only: a bare config.json (no files to measure) rather than an analysis as parallel of a serial model.
    var bareConfig: Bool

    enum CodingKeys: String, CodingKey {
        case architecture, block
        case assumeParallel = "assume_parallel"
        case tableWidth = "table_width"
        case vocabSize = "vocab_size"
        case modelWeights = "model_weights"
        case routerWeightsPerLayer = "router_weights_per_layer"
        case routerCounted = "router_counted"
        case rows
        case inputBytes = "input_bytes"
        case tableSizes = "table_sizes"
        case verdict
    }

    /// The report on `plan`; `tables` measured on the file (every one with `sizes`) or not (none with them).
    init(_ plan: FirstLayerPlan, batches: [Int], tables: [TableSize], bareConfig: Bool) {
        let m = plan.description
        architecture = m.family
        block = m.block == .serial ? "serial" : "parallel"
        assumeParallel = plan.assumeParallel
        tableWidth = plan.tableWidth
        vocabSize = m.vocabSize
        modelWeights = plan.modelWeights
        routerWeightsPerLayer = plan.routerWeightsPerLayer
        rows = plan.rows(batches: batches).map { Row(label: $0.label, value: $0.value, text: $0.value.text) }
        inputBytes = tables.first?.sizes?.inputBytes
        tableSizes = tables
        let chosen = tables.lazy.compactMap(\.sizes).first(where: \.isAuto)
        verdict = Verdict(chosen?.verdict ?? plan.verdict, tableType: chosen?.tableType)
        hiddenSize = m.hiddenSize
        keyValueText = m.mla.map { "latent c_kv + k_pe = \(grouped($0.latentRank + $0.ropeDim))" } ?? "e = \(grouped(m.kvWidth))"
        routerNote = plan.routerNote
        self.bareConfig = bareConfig
    }

    var text: String {
        var lines = [
            "\(architecture): \(block) blocks\(assumeParallel ? " (analysed as parallel)" : ""), d = \(grouped(hiddenSize)), "
                + "\(keyValueText), vocab = \(grouped(vocabSize)), table row = \(grouped(tableWidth)) values"
        ]
        let width = rows.map(\.label.count).max() ?? 0
        let valueWidth = rows.map(\.text.count).max() ?? 0
        for row in rows {
            lines.append(row.label.padding(width) + "  " + String(repeating: " ", count: valueWidth - row.text.count) + row.text)
        }
        lines.append("Counts are weight matrices only (the paper's convention): layer-0 biases and norm weights are left out.")
        if let routerNote { lines.append(routerNote) }
        lines.append("")
        let elements = "\(grouped(vocabSize)) × \(grouped(tableWidth)) values"
        if let inputBytes {
            lines.append(
                "If converted (the figures `convert --dry-run` prints; input \(ByteCountText.format(inputBytes)), table \(elements)):")
            lines += Self.columns(
                [["table", "table bytes", "output bytes", "change", "reads saved/token", "verdict"]]
                    + tableSizes.compactMap(\.sizes).map { s in
                        [
                            s.tableType + (s.isAuto ? " (auto)" : ""), ByteCountText.format(s.tableBytes),
                            ByteCountText.format(s.outputBytes),
                            ByteCountText.format(s.change, signed: true) + " (" + ByteCountText.percent(s.relativeChange) + ")",
                            ByteCountText.format(s.tokenReadsWithout - s.tokenReadsWith), s.verdict.word,
                        ]
                    })
        } else {
            let why =
                bareConfig
                ? "input sizes are unknown: a bare config.json has no tensors"
                : "file sizes are not shown: a real conversion keeps this model's blocks serial"
            lines.append(
                "Table bytes (\(elements); \(why)): "
                    + tableSizes.map { "\($0.name) \(ByteCountText.format($0.tableBytes))" }.joined(separator: ", "))
        }
        lines.append(verdict.text)
        lines.append("Rule: \(verdict.rule).")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Rows of cells, the first a header: first column left-aligned, the others right-aligned.
    static func columns(_ rows: [[String]]) -> [String] {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            let cells = row.enumerated().map { column, cell in
                column == 0 ? cell.padding(widths[column]) : String(repeating: " ", count: widths[column] - cell.count) + cell
            }
            return "  " + cells.joined(separator: "  ")
        }
    }
}
