import CkptFormats
import CkptStorage
import CkptTestSupport
import Foundation
import Testing

/// docs/formats.md, "Hostile inputs": every applicable hostile input is refused with an error naming the file and the problem.
@Suite struct HostileInputTests {
    /// Writes `input` into `directory` (each test's own, removed when it ends).
    static func write(_ input: HostileInput, in directory: URL) throws -> String {
        let name = input.label.replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "/", with: "_")
        let path = directory.appendingPathComponent("\(name).\(input.fileExtension)").path
        try Data(input.bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: HostileInputs.gguf + HostileInputs.safetensors)
    func refused(_ input: HostileInput) throws {
        let directory = try makeTemporaryDirectory("hostile")
        defer { removeTemporaryDirectory(directory) }
        let path = try Self.write(input, in: directory)
        do {
            _ = try Checkpoint.open(path)
            Issue.record("\(input.label): opened without error")
        } catch {
            let text = error.description
            #expect(text.hasPrefix(path + ": "), "\(input.label): \(text)")
            #expect(text.contains(input.expected), "\(input.label): \(text)")
            #expect(!text.contains("\n"))
        }
    }

    @Test func zeroElementAndScalarTensorsAreValid() throws {
        let directory = try makeTemporaryDirectory("hostile")
        defer { removeTemporaryDirectory(directory) }
        var g = RawGGUF()
        g.header(tensors: 2, kvs: 0)
        g.tensorInfo("empty", dims: [4096, 0], type: 0, offset: 0)
        g.string("scalar")
        g.u32(0)
        g.u32(0)
        g.u64(0)
        g.pad()
        g.u32(Float(3).bitPattern)
        g.pad()
        let path = try Self.write(
            HostileInput(label: "26 zero element", fileExtension: "gguf", bytes: g.bytes, expected: ""), in: directory)
        let checkpoint = try Checkpoint.open(path)
        #expect(checkpoint.tensors.map(\.shape) == [[0, 4096], []])
        #expect(checkpoint.tensors.map(\.byteCount) == [0, 4])
        #expect(try checkpoint.floats(of: checkpoint.tensors[1]) == [3])
    }

    @Test func trailingBytesAndMissingPadAreReported() throws {
        let directory = try makeTemporaryDirectory("hostile")
        defer { removeTemporaryDirectory(directory) }
        let trailing = try Self.write(
            HostileInput(label: "30 trailing", fileExtension: "gguf", bytes: RawGGUF.minimal() + [1, 2, 3], expected: ""), in: directory)
        let warnings = try Checkpoint.open(trailing).warnings
        #expect(warnings.contains { $0.contains("3 trailing bytes") })

        let unpadded = try Self.write(
            HostileInput(label: "29 no final pad", fileExtension: "gguf", bytes: Array(RawGGUF.minimal().dropLast(16)), expected: ""),
            in: directory)
        let checkpoint = try Checkpoint.open(unpadded)
        #expect(try checkpoint.floats(of: checkpoint.tensors[0]) == [0, 1, 2, 3])
        #expect(checkpoint.ggufFiles[0].lacksFinalPadding)
    }

    @Test func oddButValidSafetensorsLoad() throws {
        let directory = try makeTemporaryDirectory("hostile")
        defer { removeTemporaryDirectory(directory) }
        // Row 48: header length not a multiple of 8; row 49: odd names are opaque; scalars and empty tensors.
        let header =
            #"{"":{"dtype":"U8","shape":[],"data_offsets":[0,1]},"a\u0000b":{"dtype":"F32","shape":[0],"data_offsets":[1,1]},"../x":{"dtype":"I8","shape":[2],"data_offsets":[1,3]}}"#
        let path = try Self.write(
            HostileInput(
                label: "48 odd names", fileExtension: "safetensors", bytes: rawSafetensors(header: header, data: [7, 1, 2]), expected: ""),
            in: directory)
        let checkpoint = try Checkpoint.open(path)
        #expect(checkpoint.tensors.map(\.name) == ["", "a\u{0}b", "../x"])
        #expect(checkpoint.tensors.map(\.shape) == [[], [0], [2]])
    }

    @Test func tensorBudgetIsEnforced() throws {
        let directory = try makeTemporaryDirectory("hostile")
        defer { removeTemporaryDirectory(directory) }
        var entries: [String] = []
        for i in 0..<5 { entries.append(#""t\#(i)":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}"#) }
        let path = try Self.write(
            HostileInput(
                label: "37 many entries", fileExtension: "safetensors",
                bytes: rawSafetensors(header: "{" + entries.joined(separator: ",") + "}"), expected: ""), in: directory)
        let file = try MappedFile(path: path)
        #expect(throws: FormatError.self) { try SafetensorsFile(file, maximumTensorCount: 4) }
        #expect(try SafetensorsFile(file, maximumTensorCount: 5).tensors.count == 5)
    }
}
