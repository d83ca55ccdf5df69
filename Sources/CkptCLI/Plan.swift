import ArgumentParser
import CkptFormats
import CkptJSON
import CkptModels
import CkptPrecompute
import CkptStorage
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
        guard batch.ids.allSatisfy({ $0 <= ModelDescription.maximumBatch }) else {
            throw ValidationError("batch sizes must be at most \(ModelDescription.maximumBatch)")
        }
    }

    func run() throws {
        let (description, sizer) = try Self.subject(model)
        let plan = FirstLayerPlan(description, assumeParallel: assumeParallel)
        // A real conversion is what the file sizes describe; an analysis as parallel of a serial model is not one.
        let hypothetical = assumeParallel && description.block == .serial
        let measured = hypothetical ? nil : try sizer?.sizesForEveryTableType()
        let tables: [PlanReport.TableSize] =
            if let measured {
                measured.map { PlanReport.TableSize(name: $0.tableType, tableBytes: $0.tableBytes, sizes: $0) }
            } else {
                ([GGMLType.f32, .f16, .bf16] + (sizer?.isGGUF == true ? [.q8_0] : [])).compactMap { type in
                    plan.tableBytes(type).map { PlanReport.TableSize(name: type.name, tableBytes: $0, sizes: nil) }
                }
            }
        try PlanReport(plan, batches: batch.ids, tables: tables, bareConfig: sizer == nil).print(json: json)
    }

    /// A bare config.json (no files to measure), or any checkpoint with what measures its conversion.
    /// A converted checkpoint is refused: the types of the tensors its table replaced, and whether its
    /// head was tied, are not recorded, so the original's figures cannot be rebuilt from it.
    static func subject(_ path: String) throws -> (ModelDescription, ConversionSizer?) {
        if path.hasSuffix(".json") {
            let file = try MappedFile(path: path)
            let value = try JSONBudget.parse(file.allBytes, file: path, maxBytes: JSONBudget.configBytes)
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
