import CkptFormats
import CkptJSON
import CkptModels
import CkptPrecompute
import CkptTestSupport
import Foundation
import Testing

/// `validate`'s verdict: no correct conversion of a shipped sample fails with default options, and
/// every way of storing a wrong table fails.
@Suite(.removesTemporaryDirectories) struct ValidationVerdictTests {
    /// Every shipped sample, in every format it ships, with every table type that format takes.
    static let sources: [String] = {
        let tiny = Samples.url("tiny")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: tiny.path)) ?? []).filter {
            FileManager.default.fileExists(atPath: tiny.appendingPathComponent($0).appendingPathComponent("hf-f32").path)
        }
        return names.sorted().flatMap { name in
            ["hf-f32", "hf-bf16", "model.gguf"].map { "\(name)/\($0)" }.filter {
                FileManager.default.fileExists(atPath: tiny.appendingPathComponent($0).path)
            }
        }
    }()

    @Test func everySampleIsListed() {
        #expect(Self.sources.count >= 58)
    }

    @Test(arguments: sources)
    func correctConversionsPassWithDefaults(_ source: String) throws {
        var types: [ConversionOptions.TableType] = [.auto, .f32, .f16, .bf16]
        let width = try tableWidth(source)
        if source.hasSuffix(".gguf"), width % 32 == 0 { types.append(.q8_0) }
        for type in types {
            let converted = try ConversionTests.convert(source, tableType: type)
            let report = try Validator(original: Samples.url("tiny/\(source)").path, converted: converted).run(options: .init())
            let failed = report.checks.filter { !$0.passed }.map { "\($0.name): \($0.detail)" }
            #expect(report.passed, "\(source) \(type): \(failed)")
            #expect(report.consistency.maxAbsoluteDifference <= report.consistencyLimit)
        }
    }

    @Test func compressedTablesPassWithDefaults() throws {
        for source in ["mixtral/hf-bf16", "olmo2/model.gguf", "gemma2/hf-bf16"] {
            let dir = try makeScopedTemporaryDirectory("verdict-zstd")
            let output = dir.appendingPathComponent(source.hasSuffix(".gguf") ? "out.gguf" : "out").path
            var options = ConversionOptions(threads: 2)
            options.compressionLevel = 3
            _ = try Converter(input: Samples.url("tiny/\(source)").path, output: output, options: options).run()
            let report = try Validator(original: Samples.url("tiny/\(source)").path, converted: output).run(options: .init())
            #expect(report.passed, "\(source): \(report.checks.filter { !$0.passed }.map(\.detail))")
        }
    }

    // MARK: - Wrong tables fail

    /// A converted tiny llama (GGUF) whose table is rewritten by `corrupt(values, layout)` before
    /// validation; returns the report on the given tokens.
    func validateCorrupted(
        tableType: ConversionOptions.TableType, tokens: [Int]? = nil, fullAudit: Bool = false,
        _ corrupt: (inout [UInt8], TableLayout) throws -> Void
    ) throws -> (report: Validator.Report, converted: String) {
        let source = "llama/model.gguf"
        let converted = try ConversionTests.convert(source, tableType: tableType)
        let model = try Model(Checkpoint.open(converted))
        let table = try #require(model.table)
        let tensor = try #require(model.checkpoint.tensor(named: PrecomputedTable.tensorName))
        let layout = TableLayout(
            widths: table.segments.map(\.width), headDim: model.description.headDim,
            rowBytes: tensor.byteCount / model.description.vocabSize)
        var file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: converted)))
        var bytes = Array(file[tensor.offset..<(tensor.offset + tensor.byteCount)])
        try corrupt(&bytes, layout)
        file.replaceSubrange(tensor.offset..<(tensor.offset + tensor.byteCount), with: bytes)
        try Data(file).write(to: URL(fileURLWithPath: converted))
        var options = Validator.Options()
        options.tokens = tokens
        options.fullAudit = fullAudit
        return (try Validator(original: Samples.url("tiny/\(source)").path, converted: converted).run(options: options), converted)
    }

    struct TableLayout {
        /// `[residual, q, k, v]` widths in values.
        var widths: [Int]
        var headDim: Int
        var rowBytes: Int
        var qStart: Int { widths[0] }
        var kStart: Int { widths[0] + widths[1] }
        var vStart: Int { widths[0] + widths[1] + widths[2] }
    }

    static let tokens = [5, 17, 299, 42, 99, 7, 123, 250, 1, 2, 3, 64]

    @Test(arguments: [ConversionOptions.TableType.f32, .f16])
    func oneRowsQueryScaledByOnePercentFails(_ type: ConversionOptions.TableType) throws {
        let token = 42
        let (report, converted) = try validateCorrupted(tableType: type, tokens: Self.tokens) { bytes, layout in
            try Self.mapFloats(&bytes, type: type, row: token, layout: layout, range: layout.qStart..<layout.kStart) { $0 * 1.01 }
        }
        #expect(!report.passed)
        #expect(!report.auditPassed)
        #expect(report.worstAuditToken == token)
        let run = try runCkpt([
            "validate", "--tokens", Self.tokens.map(String.init).joined(separator: ","),
            Samples.url("tiny/llama/model.gguf").path, converted,
        ])
        #expect(run.status == 1)
        #expect(run.stdout.contains("verdict: FAIL: table audit"))
        #expect(run.stdout.contains("advice (table audit):"))
    }

    @Test func aRowOutsideTheSequencesIsFoundByTheFullAudit() throws {
        let (report, _) = try validateCorrupted(tableType: .f32, tokens: [1, 2, 3], fullAudit: true) { bytes, layout in
            try Self.mapFloats(&bytes, type: .f32, row: 200, layout: layout, range: layout.qStart..<layout.kStart) { $0 * 1.01 }
        }
        #expect(!report.auditPassed)
        #expect(report.worstAuditToken == 200)
        #expect(!report.passed)
    }

    @Test(arguments: [ConversionOptions.TableType.f32, .bf16])
    func swappedKeyAndValueSegmentsFail(_ type: ConversionOptions.TableType) throws {
        let (report, _) = try validateCorrupted(tableType: type) { bytes, layout in
            let size = type == .f32 ? 4 : 2
            let width = layout.widths[2] * size
            for row in 0..<(bytes.count / layout.rowBytes) {
                let k = row * layout.rowBytes + layout.kStart * size
                let v = row * layout.rowBytes + layout.vStart * size
                let keys = Array(bytes[k..<(k + width)])
                bytes.replaceSubrange(k..<(k + width), with: bytes[v..<(v + width)])
                bytes.replaceSubrange(v..<(v + width), with: keys)
            }
        }
        #expect(!report.passed)
        #expect(!report.auditPassed)
        #expect(!report.consistencyPassed)
    }

    @Test func queryStoredWithTheOtherRoPEPairingFails() throws {
        // Each head's q stored interleaved (x0, x(h/2), x1, x(h/2+1), …) instead of the model's halves.
        let (report, _) = try validateCorrupted(tableType: .f32) { bytes, layout in
            let half = layout.headDim / 2
            for row in 0..<(bytes.count / layout.rowBytes) {
                for head in 0..<(layout.widths[1] / layout.headDim) {
                    let start = row * layout.rowBytes + (layout.qStart + head * layout.headDim) * 4
                    let values = (0..<layout.headDim).map { Array(bytes[(start + 4 * $0)..<(start + 4 * $0 + 4)]) }
                    for i in 0..<half {
                        bytes.replaceSubrange((start + 8 * i)..<(start + 8 * i + 4), with: values[i])
                        bytes.replaceSubrange((start + 8 * i + 4)..<(start + 8 * i + 8), with: values[half + i])
                    }
                }
            }
        }
        #expect(!report.passed)
        #expect(!report.auditPassed)
        #expect(!report.consistencyPassed)
    }

    @Test func q8BlockScaleOffBy256UlpsFails() throws {
        let token = 99
        let (report, _) = try validateCorrupted(tableType: .q8_0, tokens: Self.tokens) { bytes, layout in
            // The q segment's first block: its f16 scale is the block's first two bytes.
            let block = Self.row(token, layout) + layout.qStart / 32 * 34
            let scale = UInt16(bytes[block]) | UInt16(bytes[block + 1]) << 8
            let bumped = scale &+ 256
            bytes[block] = UInt8(bumped & 0xFF)
            bytes[block + 1] = UInt8(bumped >> 8)
        }
        #expect(!report.passed)
        #expect(!report.auditPassed)
        #expect(report.worstAuditToken == token)
    }

    static func row(_ token: Int, _ layout: TableLayout) -> Int { token * layout.rowBytes }

    /// Applies `transform` to values `range` of table row `row`, stored as f32 or f16.
    static func mapFloats(
        _ bytes: inout [UInt8], type: ConversionOptions.TableType, row: Int, layout: TableLayout, range: Range<Int>,
        _ transform: (Float) -> Float
    ) throws {
        let size = type == .f32 ? 4 : 2
        for i in range {
            let at = row * layout.rowBytes + i * size
            if size == 4 {
                let bits = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
                let new = transform(Float(bitPattern: bits)).bitPattern
                for b in 0..<4 { bytes[at + b] = UInt8((new >> (8 * UInt32(b))) & 0xFF) }
            } else {
                let bits = UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
                let new = transform(Float(Float16(bitPattern: bits))).float16Bits
                bytes[at] = UInt8(new & 0xFF)
                bytes[at + 1] = UInt8(new >> 8)
            }
        }
    }

    func tableWidth(_ source: String) throws -> Int {
        TableSegment.layout(for: try Model(Checkpoint.open(Samples.url("tiny/\(source)").path)).description).rowWidth
    }

    // MARK: - Provenance

    @Test func aConversionOfAnotherCheckpointIsRefused() throws {
        let converted = try ConversionTests.convert("llama/model.gguf")
        // The same model stored as safetensors: another source checkpoint.
        let other = Samples.url("tiny/llama/hf-f32").path
        var run = try runCkpt(["validate", other, converted])
        #expect(run.status == 2)
        #expect(
            run.stderr == "ckpt: error: \(converted): was converted from another checkpoint than \(other): the source "
                + "fingerprint it records (file names, sizes, headers, config.json) differs; --any-source compares them anyway, "
                + "e.g. after a rename\n")
        // A renamed original is refused too, and compared with --any-source.
        let dir = try makeScopedTemporaryDirectory("provenance")
        let renamed = dir.appendingPathComponent("renamed.gguf").path
        try FileManager.default.copyItem(atPath: Samples.url("tiny/llama/model.gguf").path, toPath: renamed)
        run = try runCkpt(["validate", renamed, converted])
        #expect(run.status == 2)
        run = try runCkpt(["validate", renamed, converted, "--any-source"])
        #expect(run.status == 0, "\(run.stdout)")
    }

    @Test func anUnknownStorageTypeIsRefusedByName() throws {
        let converted = try ConversionTests.convert("llama/model.gguf")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: converted)))
        // The value of ckpt.precompute.table_dtype follows its key, a u32 type and a u64 length: "F32".
        let key = Array("ckpt.precompute.table_dtype".utf8)
        let at = try #require((0...(bytes.count - key.count)).first { Array(bytes[$0..<($0 + key.count)]) == key })
        let value = at + key.count + 4 + 8
        #expect(Array(bytes[value..<(value + 3)]) == Array("F32".utf8))
        bytes.replaceSubrange(value..<(value + 3), with: Array("F31".utf8))
        try Data(bytes).write(to: URL(fileURLWithPath: converted))
        let run = try runCkpt(["logits", converted, "--tokens", "1,2", "--out", converted + ".npy"])
        #expect(run.status == 2)
        #expect(
            run.stderr.hasSuffix("table storage type \"F31\" is not supported by this ckpt (ckpt.precompute.table_dtype)\n"),
            "\(run.stderr)")
    }

    @Test(arguments: [("q", "z", "table segment \"z\" is not supported by this ckpt"), ("k", "v", "are not the layout this ckpt runs")])
    func segmentsAreReadByName(_ from: String, _ to: String, _ problem: String) throws {
        let converted = try ConversionTests.convert("llama/model.gguf")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: converted)))
        // ckpt.precompute.segments: a u32 type, a u32 element type, a u64 count, then each string as a
        // u64 length and its bytes: x, q, k, v.
        let key = Array("ckpt.precompute.segments".utf8)
        let at = try #require((0...(bytes.count - key.count)).first { Array(bytes[$0..<($0 + key.count)]) == key })
        var position = at + key.count + 4 + 4 + 8
        var offsets: [String: Int] = [:]
        for _ in 0..<4 {
            offsets[String(decoding: [bytes[position + 8]], as: UTF8.self)] = position + 8
            position += 8 + 1
        }
        let first = try #require(offsets[from])
        bytes[first] = Array(to.utf8)[0]
        if let second = offsets[to] { bytes[second] = Array(from.utf8)[0] }
        try Data(bytes).write(to: URL(fileURLWithPath: converted))
        let run = try runCkpt(["inspect", converted])
        #expect(run.status == 0)
        let logits = try runCkpt(["logits", converted, "--tokens", "1,2", "--out", converted + ".npy"])
        #expect(logits.status == 2)
        #expect(logits.stderr.contains(problem), "\(logits.stderr)")
    }

    // MARK: - Limits the user sets

    @Test func binomialAllowanceMatchesTheTail() {
        // 124 positions at a true change rate of 0.5%: P(X ≥ 2) = 0.128, P(X ≥ 3) = 0.024.
        #expect(Validator.Report.binomialAllowance(positions: 124, rate: 0.005) == 2)
        #expect(Validator.Report.binomialAllowance(positions: 124, rate: 0) == 0)
        // 10,000 positions at 2%: mean 200, sd 14: about 223 allowed.
        let allowed = Validator.Report.binomialAllowance(positions: 10_000, rate: 0.02)
        #expect((220...226).contains(allowed))
    }

    @Test func userLimitsJudgeTheQualityAgainstTheOriginal() throws {
        let source = "olmo2/hf-bf16"
        let converted = try ConversionTests.convert(source, tableType: .bf16)
        let original = Samples.url("tiny/\(source)").path
        let strict = try runCkpt(["validate", original, converted, "--max-kld", "1e-9", "--min-same-top", "99.5"])
        #expect(strict.status == 1)
        #expect(strict.stdout.contains("verdict: FAIL: mean KLD (mean KLD "))
        #expect(strict.stdout.contains("advice (mean KLD): BF16 rounding costs more than --max-kld allows"))
        let json = try runCkpt(["validate", "--json", original, converted, "--min-same-top", "99.5"])
        #expect(json.status == 0, "\(json.stdout)")
        let root = try #require(try JSONParser().parse(Array(json.stdout.utf8)).object)
        let checks = try #require(root["checks"]?.array)
        #expect(checks.count == 5)
        let names = checks.compactMap { $0.object?["name"]?.string }
        #expect(names.contains("same top") && names.contains("finite logits"))
        #expect(root["logits"]?.object?["limit_same_top"]?.number?.double == 0.995)
    }
}

extension Float {
    fileprivate var float16Bits: UInt16 { Float16(self).bitPattern }
}
