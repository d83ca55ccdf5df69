import CkptFormats
import CkptJSON
import CkptStorage
import CkptTestSupport
import Foundation
import Testing

/// docs/formats.md, "Hostile inputs" rows 51–54
/// (and the budgets in README.md, "What the readers check"): every
/// header a checkpoint brings has size and entry limits, so reading it costs at most a few times its
/// bytes, whatever the file says.
@Suite(.removesTemporaryDirectories) struct BudgetTests {
    /// `{"a":[0,0,...]}` with `count` zeros: two bytes of JSON per value.
    static func zeros(_ count: Int) -> [UInt8] {
        var bytes = Array(#"{"a":["#.utf8)
        bytes.reserveCapacity(2 * count + 8)
        for index in 0..<count { bytes += index == 0 ? [0x30] : [0x2C, 0x30] }
        return bytes + Array("]}".utf8)
    }

    /// A copy of the tiny llama's Hugging Face directory with `name` replaced by `bytes`.
    static func model(with name: String, _ bytes: [UInt8], sharded: Bool = false) throws -> String {
        let directory = try makeScopedTemporaryDirectory("budget").appendingPathComponent("model").path
        try FileManager.default.copyItem(atPath: Samples.url(sharded ? "zoo/llama-sharded" : "tiny/llama/hf-f32").path, toPath: directory)
        try? FileManager.default.removeItem(atPath: directory + "/" + name)
        try Data(bytes).write(to: URL(fileURLWithPath: directory + "/" + name))
        return directory
    }

    /// Opens `path` and expects a refusal naming `file` and holding `fragment`.
    func expectRefused(_ path: String, file: String, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try Checkpoint.open(path)
            Issue.record("\(path) opened", sourceLocation: sourceLocation)
        } catch {
            #expect(error.description.hasPrefix(file + ": "), "\(error)", sourceLocation: sourceLocation)
            #expect(error.description.contains(fragment), "\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func theParserStopsAtItsItemBudget() throws {
        let parser = JSONParser(maxItems: 4)
        #expect(try parser.parse(Array("[1,2,3]".utf8)) == [1, 2, 3])
        #expect(throws: JSONError(offset: 7, message: "holds more than 4 items", exceedsBudget: true)) {
            try parser.parse(Array("[1,2,3,4]".utf8))
        }
        // An object and its key (four items): five.
        #expect(throws: JSONError(offset: 1, message: "holds more than 4 items", exceedsBudget: true)) {
            try parser.parse(Array(#"{"a":1}"#.utf8))
        }
        #expect(JSONBudget.maxItems(forBytes: 100) == 1 << 20)
        #expect(JSONBudget.maxItems(forBytes: 160_000_000) == 10_000_000)
    }

    @Test func aConfigOfTinyValuesIsRefusedByItsBudget() throws {
        // 1,200,000 values in 2.4 MB: within the size limit, over the 2^20 items allowed below 16 MiB.
        let directory = try Self.model(with: "config.json", Self.zeros(1_200_000))
        expectRefused(directory, file: directory + "/config.json", "holds more than 1048576 items, the budget for 2400007 bytes of JSON")
    }

    @Test func anOversizedConfigOrIndexIsRefusedUnread() throws {
        let big = [UInt8](repeating: 0x20, count: JSONBudget.configBytes + 1)
        var directory = try Self.model(with: "config.json", big)
        expectRefused(directory, file: directory + "/config.json", "is 16777217 bytes, more than the 16 MiB limit")
        directory = try Self.model(
            with: SafetensorsIndex.fileName, [UInt8](repeating: 0x20, count: JSONBudget.indexBytes + 1), sharded: true)
        expectRefused(directory, file: directory + "/" + SafetensorsIndex.fileName, "more than the 64 MiB limit")
    }

    @Test func anIndexOfTinyValuesIsRefusedByItsBudget() throws {
        var text = #"{"metadata":{},"weight_map":{"#
        for index in 0..<300_000 { text += (index == 0 ? "" : ",") + "\"\(String(index, radix: 16))\":\"s\"" }
        text += "}}"
        let directory = try Self.model(with: SafetensorsIndex.fileName, Array(text.utf8), sharded: true)
        expectRefused(directory, file: directory + "/" + SafetensorsIndex.fileName, "holds more than 1048576 items")
    }

    @Test func aSafetensorsHeaderOfTinyTensorsIsRefusedByItsBudget() throws {
        // 100,000 zero-byte tensors in ~5 MB: 22 items each.
        var entries: [String] = []
        for index in 0..<100_000 { entries.append(#""\#(String(index, radix: 16))":{"dtype":"U8","shape":[],"data_offsets":[0,0]}"#) }
        let directory = try makeScopedTemporaryDirectory("budget").path
        let path = directory + "/model.safetensors"
        try Data(rawSafetensors(header: "{" + entries.joined(separator: ",") + "}")).write(to: URL(fileURLWithPath: path))
        expectRefused(path, file: path, "header holds more than")
    }

    @Test func ggufMetadataCountIsCapped() throws {
        var g = RawGGUF()
        let count = GGUFFile.maximumMetadataCount + 1
        g.header(tensors: 0, kvs: UInt64(count))
        for index in 0..<count {
            g.string(String(index, radix: 16))
            g.u32(0)
            g.u8(0)
        }
        let path = try makeScopedTemporaryDirectory("budget").path + "/many.gguf"
        try Data(g.bytes).write(to: URL(fileURLWithPath: path))
        expectRefused(path, file: path, "metadata count 65537 is more than the 65536 allowed")
    }

    @Test func ggufTensorCountIsBudgetedByFileSize() throws {
        var g = RawGGUF()
        let count = GGUFFile.minimumTensorBudget + 1
        g.header(tensors: UInt64(count), kvs: 0)
        for index in 0..<count { g.tensorInfo(String(index, radix: 16), dims: [0], type: 0, offset: 0) }
        g.pad()
        let path = try makeScopedTemporaryDirectory("budget").path + "/tensors.gguf"
        try Data(g.bytes).write(to: URL(fileURLWithPath: path))
        expectRefused(path, file: path, "tensor count 65537 is more than the 65536 a")
    }

    @Test func ggufStringsAndArraysEndWithinTheHeaderLimit() throws {
        // An array of 2^24 + 1 u64 (128 MiB + 8 bytes) after a small key: past the 128 MiB header limit.
        var g = RawGGUF()
        g.header(tensors: 0, kvs: 1)
        g.string("a.b")
        g.u32(9)
        g.u32(10)
        let count = (GGUFFile.maximumHeaderBytes / 8) + 1
        g.u64(UInt64(count))
        g.raw([UInt8](repeating: 0, count: count * 8))
        let path = try makeScopedTemporaryDirectory("budget").path + "/array.gguf"
        try Data(g.bytes).write(to: URL(fileURLWithPath: path))
        expectRefused(path, file: path, "array of a.b ends past the first 128 MiB of the file")
    }
}
