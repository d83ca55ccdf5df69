import CkptEngine
import CkptFormats
import CkptJSON
import CkptModels
import CkptTestSupport
import Foundation
import Testing

@testable import CkptPrecompute

/// `--compress zstd`: the table as zstd frames of whole rows. It must hold exactly the plain table
/// (the reference-reader script checks the same bytes with Python's `zstandard`), and every reader
/// of the converted model must see the same rows and logits.
@Suite(.removesTemporaryDirectories) struct CompressionTests {
    /// Converts `Samples/tiny/SOURCE` into a new temporary directory, removed when the test ends.
    static func convert(_ source: String, tableType: ConversionOptions.TableType, level: Int32?, threads: Int = 2) throws -> String {
        let dir = try makeScopedTemporaryDirectory("compress")
        let output = dir.appendingPathComponent(source.hasSuffix(".gguf") ? "out.gguf" : "out").path
        var options = ConversionOptions(threads: threads)
        options.tableType = tableType
        options.chunkRows = 64
        options.compressionLevel = level
        _ = try Converter(input: Samples.url("tiny/\(source)").path, output: output, options: options).run()
        return output
    }

    @Test(arguments: [
        ("llama/model.gguf", ConversionOptions.TableType.f32), ("gpt_neox/hf-f32", .f16), ("qwen2/model.gguf", .q8_0),
        ("llama-tied-llama3/hf-bf16", .bf16),
    ])
    func compressedTableHoldsThePlainTable(_ source: String, _ type: ConversionOptions.TableType) throws {
        let plain = try Model(Checkpoint.open(try Self.convert(source, tableType: type, level: nil)))
        let packedPath = try Self.convert(source, tableType: type, level: 3)
        let packed = try Model(Checkpoint.open(packedPath))
        let compression = try #require(packed.table?.compression)
        #expect(packed.table?.storage == plain.table?.storage)
        #expect(packed.table?.rows == plain.description.vocabSize)
        #expect(64 % compression.frameRows == 0)
        #expect(packed.checkpoint.tensor(named: PrecomputedTable.tensorName) == nil)
        let plainRows = try TableRowReader(model: plain)
        let packedRows = try TableRowReader(model: packed)
        // Backwards, so each frame is entered from its end as well as from its start.
        for token in (0..<plain.description.vocabSize).reversed() {
            let (a, b) = (try plainRows.row(token), try packedRows.row(token))
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "row \(token)")
        }
        let tokens = try ConversionTests.requireTokens()
        #expect(try Engine(model: plain).logits(tokens: tokens) == Engine(model: packed).logits(tokens: tokens))
        let original = Samples.url("tiny/\(source)").path
        let report = try Validator(original: original, converted: packedPath).run(options: .init())
        #expect(report.structurePassed && report.auditPassed, "\(report.structureProblems)")
        let stored = try #require(packed.checkpoint.tensor(named: PrecomputedTable.framesTensorName))
        let plainTable = try #require(plain.checkpoint.tensor(named: PrecomputedTable.tensorName))
        #expect(stored.byteCount < plainTable.byteCount)
    }

    @Test func bytesDoNotDependOnThreads() throws {
        let a = try Self.convert("qwen2/model.gguf", tableType: .f16, level: 5, threads: 1)
        let b = try Self.convert("qwen2/model.gguf", tableType: .f16, level: 5, threads: 3)
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b)))
        let metadata = try Checkpoint.open(a).ggufFiles[0]
        #expect(metadata["ckpt.precompute.options"]?.string == "--precompute-first-layer --table-dtype f16 --compress zstd:5")
        #expect(metadata["ckpt.precompute.shuffle_planes"]?.integer == 2)
        #expect(metadata["ckpt.precompute.table_tensor"]?.string == PrecomputedTable.framesTensorName)
    }

    /// A damaged frame index or frame is reported with the file and the frame, exit 2, no crash.
    @Test func damagedFramesAreClearErrors() throws {
        let output = try Self.convert("llama/model.gguf", tableType: .f32, level: 3)
        let checkpoint = try Checkpoint.open(output)
        let offsets = try #require(checkpoint.tensor(named: PrecomputedTable.frameOffsetsTensorName))
        let frames = try #require(checkpoint.tensor(named: PrecomputedTable.framesTensorName))
        let original = try Data(contentsOf: URL(fileURLWithPath: output))

        var badIndex = original
        badIndex[offsets.offset + 8 + 5] ^= 0x01  // the second offset jumps past the end
        try badIndex.write(to: URL(fileURLWithPath: output))
        var run = try runCkpt(["logits", output, "--tokens", "1,2", "--out", output + ".npy"])
        #expect(run.status == 2)
        #expect(run.stderr.contains(output) && run.stderr.contains("frame_offsets"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)

        var badFrame = original
        for i in 0..<16 { badFrame[frames.offset + 20 + i] ^= 0xA5 }
        try badFrame.write(to: URL(fileURLWithPath: output))
        run = try runCkpt(["logits", output, "--tokens", "0,1", "--out", output + ".npy"])
        #expect(run.status == 2)
        #expect(run.stderr.contains(output) && run.stderr.contains("frame 0"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output + ".npy"))
    }

    @Test func cliReportsTheCompressedSize() throws {
        let dir = try makeTemporaryDirectory("compress-cli")
        defer { removeTemporaryDirectory(dir) }
        let output = dir.appendingPathComponent("out.gguf").path
        let run = try runCkpt([
            "convert", Samples.url("tiny/gpt_neox/model.gguf").path, output, "--precompute-first-layer", "--compress", "zstd:7",
            "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try #require(try JSONParser().parse(Data(run.stdout.utf8)).object)
        let compressed = try #require(summary["compressed_table_bytes"]?.number?.int64)
        let plain = try #require(summary["table_bytes"]?.number?.int64)
        #expect(compressed > 0 && compressed < plain)
        let refused = try runCkpt([
            "convert", Samples.url("tiny/gpt_neox/model.gguf").path, output + "2", "--precompute-first-layer", "--compress", "gzip",
        ])
        #expect(refused.status == 2 && refused.stderr.contains("zstd"))
    }
}

/// The table's pipeline: results consumed strictly in order, never more than `lookahead` pending,
/// and the first error stops everything without a hang.
@Suite struct OrderedPipelineTests {
    final class Counter: @unchecked Sendable {
        let lock = NSLock()
        var pending = 0
        var most = 0
        func change(_ delta: Int) {
            lock.withLock {
                pending += delta
                most = max(most, pending)
            }
        }
    }

    @Test(arguments: [1, 2, 4])
    func consumesInOrderWithBoundedLookahead(_ workers: Int) throws {
        let counter = Counter()
        var seen: [Int] = []
        try runOrderedPipeline(
            count: 200, workers: workers, lookahead: 2 * workers,
            produce: { index in
                counter.change(1)
                usleep(UInt32((index * 7919) % 300))
                return index * index
            },
            consume: { index, value in
                #expect(value == index * index)
                seen.append(index)
                counter.change(-1)
            })
        #expect(seen == Array(0..<200))
        #expect(counter.most <= 2 * workers + 1)
    }

    struct Boom: Error, Equatable { let index: Int }

    @Test func firstErrorStopsTheWorkers() {
        #expect(throws: Boom(index: 37)) {
            try runOrderedPipeline(
                count: 10_000, workers: 3, lookahead: 6,
                produce: { index in
                    if index == 37 { throw Boom(index: 37) }
                    return index
                },
                consume: { _, _ in })
        }
        #expect(throws: Boom(index: 5)) {
            try runOrderedPipeline(
                count: 10_000, workers: 3, lookahead: 6, produce: { $0 },
                consume: { index, _ in
                    if index == 5 { throw Boom(index: 5) }
                })
        }
    }
}
