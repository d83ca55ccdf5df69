import ArgumentParser
import CkptFormats
import CkptModels
import CkptPrecompute
import Foundation

/// `ckpt plan MODEL [--batch 1,16,256,1024] [--assume-parallel] [--json]`.
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The paper's analysis of precomputing the first layer, without converting.")

    @Argument(help: "A .gguf file, a .safetensors file, a Hugging Face directory, or a bare config.json.")
    var model: String

    @Option(parsing: .unconditional, help: "Comma-separated batch sizes.")
    var batch: TokenList = TokenList(argument: "1,16,256,1024")!

    @Flag(help: "Analyse the model as if its attention and FFN were parallel (the paper's hypothetical Mixtral).")
    var assumeParallel = false

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    func validate() throws {
        guard batch.ids.allSatisfy({ $0 > 0 }) else { throw ValidationError("batch sizes must be positive") }
    }

    /// One table type's figures: measured on the file when `sizes` is set, else the table alone.
    struct TableSize {
        var name: String
        var tableBytes: Int
        var sizes: ConversionSizes?
    }

    func run() throws {
        let (description, sizer) = try Self.subject(model)
        let plan = FirstLayerPlan(description, assumeParallel: assumeParallel)
        let rows = plan.rows(batches: batch.ids)
        // A real conversion is what the file sizes describe; an analysis as parallel of a serial model is not one.
        let hypothetical = assumeParallel && description.block == .serial
        let measured = hypothetical ? nil : try sizer?.sizesForEveryTableType()
        let tables: [TableSize] =
            if let measured {
                measured.map { TableSize(name: $0.tableType, tableBytes: $0.tableBytes, sizes: $0) }
            } else {
                ([GGMLType.f32, .f16, .bf16] + (sizer?.isGGUF == true ? [.q8_0] : [])).compactMap { type in
                    plan.tableBytes(type).map { TableSize(name: type.name, tableBytes: $0, sizes: nil) }
                }
            }
        let chosen = measured?.first(where: \.isAuto)
        let verdict = chosen?.verdict ?? plan.verdict
        let verdictText = Self.verdictText(verdict, tableType: chosen?.tableType)
        if json {
            var object = JSONObject()
            object["architecture"] = .string(description.family.rawValue)
            object["block"] = .string(description.block == .serial ? "serial" : "parallel")
            object["assume_parallel"] = .bool(assumeParallel)
            object["table_width"] = .number(JSONNumber(plan.tableWidth))
            object["vocab_size"] = .number(JSONNumber(description.vocabSize))
            object["model_weights"] = .number(JSONNumber(plan.modelWeights))
            object["router_weights_per_layer"] = .number(JSONNumber(plan.routerWeightsPerLayer))
            object["router_counted"] = .bool(false)
            object["rows"] = .array(rows.map { .object(JSONObject([("label", .string($0.label)), ("value", $0.value.json), ("text", .string($0.value.text))])) })
            object["input_bytes"] = measured?.first.map { .number(JSONNumber($0.inputBytes)) } ?? .null
            object["table_sizes"] = .array(tables.map(Self.json))
            object["verdict"] = .object(JSONObject([
                ("unit", .string(verdict.unit.rawValue)), ("table_dtype", chosen.map { .string($0.tableType) } ?? .null),
                ("reads_saved_per_token", .number(JSONNumber(verdict.readsSaved))),
                ("memory_added", .number(JSONNumber(verdict.memoryAdded))), ("loss", .bool(verdict.isLoss)),
                ("rule", .string(FirstLayerVerdict.rule)), ("text", .string(verdictText)),
            ]))
            print(JSONValue.object(object).serialized(options: .prettyPrinted))
            return
        }
        let m = description
        print("\(m.family.rawValue): \(m.block == .serial ? "serial" : "parallel") blocks\(assumeParallel ? " (analysed as parallel)" : ""), "
            + "d = \(grouped(m.hiddenSize)), e = \(grouped(m.kvWidth)), vocab = \(grouped(m.vocabSize)), table row = \(grouped(plan.tableWidth)) values")
        let width = rows.map(\.label.count).max() ?? 0
        let valueWidth = rows.map(\.value.text.count).max() ?? 0
        for (label, value) in rows {
            print(label.padding(width) + "  " + String(repeating: " ", count: valueWidth - value.text.count) + value.text)
        }
        print("Counts are weight matrices only (the paper's convention): layer-0 biases and norm weights are left out.")
        if let note = plan.routerNote { print(note) }
        print()
        let elements = "\(grouped(m.vocabSize)) × \(grouped(plan.tableWidth)) values"
        if let measured, let input = measured.first?.inputBytes {
            print("If converted (the figures `convert --dry-run` prints; input \(ByteCountText.format(input)), table \(elements)):")
            Self.printColumns(
                [["table", "table bytes", "output bytes", "change", "reads saved/token", "verdict"]]
                    + measured.map { s in
                        [
                            s.tableType + (s.isAuto ? " (auto)" : ""), ByteCountText.format(s.tableBytes), ByteCountText.format(s.outputBytes),
                            ByteCountText.format(s.change, signed: true) + " (" + ByteCountText.percent(s.relativeChange) + ")",
                            ByteCountText.format(s.tokenReadsWithout - s.tokenReadsWith), s.verdict.word,
                        ]
                    })
        } else {
            let why = sizer == nil
                ? "input sizes are unknown: a bare config.json has no tensors"
                : "file sizes are not shown: a real conversion keeps this model's blocks serial"
            print("Table bytes (\(elements); \(why)): "
                + tables.map { "\($0.name) \(ByteCountText.format($0.tableBytes))" }.joined(separator: ", "))
        }
        print(verdictText)
        print("Rule: \(FirstLayerVerdict.rule).")
    }

    /// The verdict in one sentence: bytes of the auto table type, or values.
    static func verdictText(_ verdict: FirstLayerVerdict, tableType: String?) -> String {
        let bytes = verdict.unit == .bytes
        func amount(_ n: Int) -> String { bytes ? ByteCountText.format(n) : grouped(n) + " values" }
        let memory = bytes ? "the file" : "memory"
        let head = bytes
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

    static func json(_ table: TableSize) -> JSONValue {
        func number(_ n: Int?) -> JSONValue { n.map { .number(JSONNumber($0)) } ?? .null }
        let s = table.sizes
        return .object(JSONObject([
            ("table_dtype", .string(table.name)), ("auto", s.map { .bool($0.isAuto) } ?? .null),
            ("table_bytes", number(table.tableBytes)), ("output_bytes", number(s?.outputBytes)),
            ("removed_bytes", number(s?.removedBytes)), ("head_copy_bytes", number(s?.headCopyBytes)),
            ("change_bytes", number(s?.change)),
            ("relative_change", s.flatMap { JSONNumber(exactly: $0.relativeChange) }.map(JSONValue.number) ?? .null),
            ("token_reads_saved_bytes", number(s.map { $0.tokenReadsWithout - $0.tokenReadsWith })),
            ("verdict", s.map { .string($0.verdict.word) } ?? .null),
        ]))
    }

    /// Rows of cells, the first a header: first column left-aligned, the others right-aligned.
    static func printColumns(_ rows: [[String]]) {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let cells = row.enumerated().map { column, cell in
                column == 0 ? cell.padding(widths[column]) : String(repeating: " ", count: widths[column] - cell.count) + cell
            }
            print("  " + cells.joined(separator: "  "))
        }
    }

    /// A bare config.json (no files to measure), or any checkpoint with what measures its conversion.
    /// A converted checkpoint is refused: the types of the tensors its table replaced, and whether its
    /// head was tied, are not recorded, so the original's figures cannot be rebuilt from it.
    static func subject(_ path: String) throws -> (ModelDescription, ConversionSizer?) {
        if path.hasSuffix(".json") {
            let file = try MappedFile(path: path)
            let value: JSONValue
            do { value = try JSONParser().parse(file.allBytes) } catch {
                throw FormatError(file: path, "not valid JSON: \(error.message)", offset: error.offset)
            }
            guard let object = value.object else { throw FormatError(file: path, "not a JSON object") }
            let reader = ConfigReader(config: object, file: path)
            if try PrecomputedTable.read(reader) != nil { throw alreadyConverted(path) }
            return (try ModelDescription.huggingFace(reader), nil)
        }
        let model = try Model(Checkpoint.open(path))
        if model.table != nil { throw alreadyConverted(path) }
        return (model.description, try ConversionSizer(model, input: path))
    }

    static func alreadyConverted(_ path: String) -> FormatError {
        FormatError(
            file: path,
            "already converted (it holds a precomputed first-layer table); plan the original checkpoint: the replaced tensors' "
                + "types and whether the head was tied are not recorded, so the original's figures cannot be rebuilt")
    }
}
