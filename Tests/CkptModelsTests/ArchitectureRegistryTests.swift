import CkptFormats
import CkptJSON
import CkptModels
import CkptTestSupport
import Foundation
import Testing

/// `ArchitectureRegistry` is the one list of supported architectures: every family in it has a tiny
/// fixture (or a reason below why not) that it reads as that family, no name is claimed twice, the
/// "unsupported architecture" message names exactly its families, and README.md's table lists them.
@Suite struct ArchitectureRegistryTests {
    /// Registered families whose fixtures under Samples/tiny are missing in some format, with the reason.
    static let withoutFixtures: [String: String] = [:]

    /// One variant of Samples/tiny/manifest.json.
    struct Variant {
        var name: String
        var modelType: String
        var hasGGUF: Bool
    }

    func variants() throws -> [Variant] {
        let manifest = try #require(try JSONParser().parse(Samples.data("tiny/manifest.json")).object)
        return try #require(manifest["variants"]?.object).map { name, entry in
            Variant(
                name: name, modelType: entry.object?["model_type"]?.string ?? "",
                hasGGUF: entry.object?["gguf"]?.object != nil)
        }
    }

    @Test func everyFamilyHasAFixture() throws {
        let variants = try variants()
        for architecture in ArchitectureRegistry.all {
            for family in architecture.families where Self.withoutFixtures[family] == nil {
                let fixtures = variants.filter { $0.modelType == family }
                #expect(!fixtures.isEmpty, "\(family): no variant in Samples/tiny/manifest.json")
                if architecture.ggufArchitecture != nil {
                    #expect(fixtures.contains { $0.hasGGUF }, "\(family): no model.gguf in Samples/tiny")
                }
            }
        }
        #expect(Set(Self.withoutFixtures.keys).isSubset(of: ArchitectureRegistry.families))
        #expect(Set(variants.map(\.modelType)).isSubset(of: ArchitectureRegistry.families), "a fixture of an unregistered family")
    }

    /// Each fixture is read by the architecture registered for its `model_type`: an HF file as that very
    /// family, a GGUF file by the architecture its `general.architecture` names (a GGUF Mistral is `llama`).
    @Test func fixturesAreReadByTheirArchitecture() throws {
        for variant in try variants() {
            let hf = try Model(Checkpoint.open(Samples.url("tiny/\(variant.name)/hf-f32").path))
            #expect(hf.description.family == variant.modelType, "\(variant.name)")
            #expect(hf.architecture.families.contains(variant.modelType), "\(variant.name)")
            guard variant.hasGGUF else { continue }
            let checkpoint = try Checkpoint.open(Samples.url("tiny/\(variant.name)/model.gguf").path)
            let gguf = try Model(checkpoint)
            // OLMo 3 is an `olmo2` GGUF with a sliding window, read by OLMo 2's architecture as olmo3.
            #expect(
                gguf.architecture.families.contains(variant.modelType) || gguf.description.family == variant.modelType,
                "\(variant.name)")
            #expect(gguf.architecture.ggufArchitecture == checkpoint.architecture, "\(variant.name)")
        }
    }

    @Test func everyNameBelongsToOneArchitecture() {
        let modelTypes = ArchitectureRegistry.all.flatMap { $0.families + $0.modelTypeAliases }
        #expect(Set(modelTypes).count == modelTypes.count, "\(modelTypes)")
        let ggufNames = ArchitectureRegistry.all.compactMap(\.ggufArchitecture)
        #expect(Set(ggufNames).count == ggufNames.count, "\(ggufNames)")
    }

    /// Every alias reads as its architecture's first family.
    @Test func aliasesNameTheFirstFamily() throws {
        for architecture in ArchitectureRegistry.all {
            for alias in architecture.modelTypeAliases {
                let json =
                    #"{"model_type":"\#(alias)","hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":100,"num_local_experts":4}"#
                let config = try #require(try JSONParser().parse(Array(json.utf8)).object)
                let description = try ModelDescription.huggingFace(ConfigReader(config: config, file: "config.json"))
                #expect(description.family == architecture.families[0], "\(alias)")
            }
        }
    }

    /// The message lists the registry's families, in its order, whichever format names the architecture.
    @Test func unsupportedArchitectureListsTheRegistry() throws {
        let config = try #require(try JSONParser().parse(Array(#"{"model_type":"mamba_ssm"}"#.utf8)).object)
        let errors: [ModelError?] = [
            #expect(throws: ModelError.self) { try ModelDescription.huggingFace(ConfigReader(config: config, file: "config.json")) },
            #expect(throws: ModelError.self) {
                try ModelDescription.gguf(
                    ConfigReader(gguf: [], architecture: "mamba_ssm", file: "m.gguf"), architecture: "mamba_ssm", embeddingRows: 1)
            },
        ]
        for error in errors {
            let problem = try #require(error?.problem)
            let prefix = "unsupported architecture mamba_ssm (supported: "
            try #require(problem.hasPrefix(prefix) && problem.hasSuffix(")"), "\(problem)")
            let listed = problem.dropFirst(prefix.count).dropLast().components(separatedBy: ", ")
            #expect(listed == ArchitectureRegistry.families)
        }
    }

    /// README.md's "Architectures" table: one row per group of families, each cell `family / `gguf``
    /// (or `(HF only)`); together the rows name exactly the registry's families and GGUF architectures, and
    /// each row the GGUF names of its own families.
    @Test func readmeTableListsTheRegistry() throws {
        let readme = try String(contentsOf: Samples.root.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.components(separatedBy: "\n")
        let heading = try #require(lines.firstIndex(of: "### Architectures"), "README.md has no Architectures section")
        let table = lines[heading...].drop { !$0.hasPrefix("|") }.prefix { $0.hasPrefix("|") }.dropFirst(2)
        try #require(!table.isEmpty, "README.md's Architectures section has no table")
        var families: [String] = []
        var ggufNames: Set<String> = []
        for row in table {
            let cell = row.split(separator: "|", omittingEmptySubsequences: false)[1]
            let pieces = cell.split(separator: "`", omittingEmptySubsequences: false).map(String.init)
            // Odd pieces were inside backticks: GGUF names; the rest holds the config model_types.
            let rowGGUF = Set(pieces.enumerated().filter { $0.offset % 2 == 1 }.map(\.element))
            let rowFamilies = pieces.enumerated().filter { $0.offset % 2 == 0 }.map(\.element).joined(separator: " ")
                .replacingOccurrences(of: "(HF only)", with: "")
                .split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init)
            let registered = rowFamilies.compactMap { family in ArchitectureRegistry.all.first { $0.families.contains(family) } }
            #expect(registered.count == rowFamilies.count, "README.md row names an unregistered family: \(row)")
            #expect(Set(registered.compactMap(\.ggufArchitecture)) == rowGGUF, "README.md row: \(row)")
            families += rowFamilies
            ggufNames.formUnion(rowGGUF)
        }
        #expect(families.sorted() == ArchitectureRegistry.families.sorted())
        #expect(ggufNames == Set(ArchitectureRegistry.all.compactMap(\.ggufArchitecture)))
    }
}
