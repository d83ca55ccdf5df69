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

    @Option(help: "Comma-separated batch sizes.")
    var batch: TokenList = TokenList(argument: "1,16,256,1024")!

    @Flag(help: "Analyse the model as if its attention and FFN were parallel (the paper's hypothetical Mixtral).")
    var assumeParallel = false

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    func validate() throws {
        guard batch.ids.allSatisfy({ $0 > 0 }) else { throw ValidationError("batch sizes must be positive") }
    }

    func run() throws {
        let description = try Self.describe(model)
        let plan = FirstLayerPlan(description, assumeParallel: assumeParallel)
        let rows = plan.rows(batches: batch.ids)
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
    }

    /// A bare config.json, or any checkpoint.
    static func describe(_ path: String) throws -> ModelDescription {
        if path.hasSuffix(".json") {
            let file = try MappedFile(path: path)
            let value: JSONValue
            do { value = try JSONParser().parse(file.allBytes) } catch {
                throw FormatError(file: path, "not valid JSON: \(error.message)", offset: error.offset)
            }
            guard let object = value.object else { throw FormatError(file: path, "not a JSON object") }
            return try ModelDescription.huggingFace(ConfigReader(config: object, file: path))
        }
        return try Model(Checkpoint.open(path)).description
    }
}
