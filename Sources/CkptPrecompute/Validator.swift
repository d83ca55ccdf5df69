import CkptEngine
import CkptFormats
import CkptModels
import Foundation

/// `ckpt validate ORIGINAL CONVERTED`: (a) structure — every tensor that should pass through is
/// byte-identical, nothing else missing or extra; (b) table audit — rows recomputed in f64 against
/// the stored table, within the table type's rounding; (c) logits of both models over the same
/// sequences, compared with llama-perplexity's statistics. Passes or fails against thresholds
/// anchored to measured noise floors (README).
public struct Validator {
    public struct Options: Sendable {
        /// One explicit sequence; otherwise `sequences` random ones of `randomLength` tokens.
        public var tokens: [Int]?
        public var randomLength = 32
        public var sequences = 4
        public var seed: UInt64 = 0
        /// Table rows audited besides the first and last (all rows with `fullAudit`).
        public var auditRows = 64
        public var fullAudit = false
        /// Overrides the mean-KLD limit for the table type.
        public var maxKLD: Double?

        public init() {}
    }

    /// What the validation found.
    public struct Report: Sendable {
        public var identicalTensors: Int
        public var replacedTensors: Int
        public var structureProblems: [String]
        public var auditedRows: Int
        /// Largest |stored − f64| over its allowed error, and where.
        public var worstAuditRatio: Double
        public var worstAuditToken: Int
        public var worstAuditError: Double
        public var statistics: DivergenceStatistics
        public var sequences: [[Int]]
        public var maxKLD: Double
        public var minSameTop: Double
        public var maxLogitDifference: Double
        public var tableType: String
        /// Wall time of the structure check, the table audit and the two forward passes.
        public var phaseSeconds: (structure: Double, audit: Double, logits: Double)

        public var structurePassed: Bool { structureProblems.isEmpty }
        public var auditPassed: Bool { worstAuditRatio <= 1 }
        public var logitsPassed: Bool {
            statistics.meanKLD <= maxKLD && statistics.sameTopOutsideTiesFraction >= minSameTop
                && statistics.maxAbsoluteDifference <= maxLogitDifference
        }
        public var passed: Bool { structurePassed && auditPassed && logitsPassed }
    }

    let original: Model
    let converted: Model
    let table: PrecomputedTable

    public init(original: String, converted: String) throws {
        self.original = try Model(Checkpoint.open(original))
        self.converted = try Model(Checkpoint.open(converted))
        guard self.original.table == nil else {
            throw FormatError(file: original, "is itself converted; give the original checkpoint first")
        }
        guard let table = self.converted.table else {
            throw FormatError(file: converted, "has no precomputed first-layer table")
        }
        self.table = table
    }

    /// Default limits per table type: f32 sits at float rounding; f16/bf16 near the BF16-vs-FP16
    /// floor llama.cpp measured (mean KLD ≈ 3e-5, same top ≈ 99.7%); q8_0 near Q8_0's own floor.
    static func limits(_ tableType: String) -> (kld: Double, sameTop: Double, logit: Double) {
        switch tableType {
        case "F32": (1e-6, 0.999, 1e-3)
        case "F16": (5e-5, 0.995, .infinity)
        case "BF16": (1e-4, 0.995, .infinity)
        default: (1e-3, 0.98, .infinity)
        }
    }

    public func run(options: Options) throws -> Report {
        var clock = Date()
        func lap() -> Double {
            defer { clock = Date() }
            return Date().timeIntervalSince(clock)
        }
        let (identical, replaced, problems) = try checkStructure()
        let structureSeconds = lap()
        let audit = try auditTable(options: options)
        let auditSeconds = lap()
        let sequences = options.tokens.map { [$0] } ?? randomSequences(options)
        var statistics = DivergenceStatistics()
        let base = Engine(model: original)
        let candidate = Engine(model: converted)
        let vocab = original.description.vocabSize
        let baseLogits = try base.logits(sequences: sequences)
        let candidateLogits = try candidate.logits(sequences: sequences)
        for (index, tokens) in sequences.enumerated() {
            let (a, b) = (baseLogits[index], candidateLogits[index])
            for position in 0..<max(0, tokens.count - 1) {
                let row = (position * vocab)..<((position + 1) * vocab)
                statistics.add(base: a[row], candidate: b[row], nextToken: tokens[position + 1])
            }
        }
        let logitsSeconds = lap()
        let limits = Self.limits(table.tableDType)
        return Report(
            identicalTensors: identical, replacedTensors: replaced, structureProblems: problems,
            auditedRows: audit.rows, worstAuditRatio: audit.ratio, worstAuditToken: audit.token, worstAuditError: audit.error,
            statistics: statistics, sequences: sequences, maxKLD: options.maxKLD ?? limits.kld, minSameTop: limits.sameTop,
            maxLogitDifference: limits.logit, tableType: table.tableDType,
            phaseSeconds: (structureSeconds, auditSeconds, logitsSeconds))
    }

    /// Every original tensor outside the replaced set is present and byte-identical; the converted
    /// file adds only the table (and a tied head's own copy).
    func checkStructure() throws -> (Int, Int, [String]) {
        var problems: [String] = []
        let expectedRemoved = Set(original.firstLayerTableTensors)
        let recorded = Set(table.removedTensors)
        let keepsOriginal = recorded.isEmpty
        if !keepsOriginal, recorded != expectedRemoved {
            problems.append("recorded removed tensors differ from what the table replaces: "
                + "\(recorded.symmetricDifference(expectedRemoved).sorted().joined(separator: ", "))")
        }
        var identical = 0
        for tensor in original.checkpoint.tensors where keepsOriginal || !expectedRemoved.contains(tensor.name) {
            guard let copy = converted.checkpoint.tensor(named: tensor.name) else {
                problems.append("missing \(tensor.name)")
                continue
            }
            let a = try original.checkpoint.bytes(of: tensor)
            let b = try converted.checkpoint.bytes(of: copy)
            let same = sameBytes(a, b)
            // Compared once: drop the pages from this process so RSS stays bounded.
            original.checkpoint.file(of: tensor).release(offset: tensor.offset, count: tensor.byteCount)
            converted.checkpoint.file(of: copy).release(offset: copy.offset, count: copy.byteCount)
            if copy.type != tensor.type || copy.shape != tensor.shape || !same {
                problems.append("\(tensor.name) differs from the original")
            } else {
                identical += 1
            }
        }
        var allowed: Set<String> = table.compression == nil
            ? [PrecomputedTable.tensorName] : [PrecomputedTable.framesTensorName, PrecomputedTable.frameOffsetsTensorName]
        if original.description.tiedHead, let head = converted.names.name(.output) { allowed.insert(head) }
        let originalNames = Set(original.checkpoint.tensors.map(\.name))
        for tensor in converted.checkpoint.tensors where !originalNames.contains(tensor.name) && !allowed.contains(tensor.name) {
            problems.append("unexpected tensor \(tensor.name)")
        }
        if original.description.tiedHead, let head = converted.tensor(.output), let embedding = original.tensor(.embedding) {
            let a = try original.checkpoint.bytes(of: embedding)
            let b = try converted.checkpoint.bytes(of: head)
            if !sameBytes(a, b) {
                problems.append("\(head.name) is not the original embedding")
            }
        }
        return (identical, keepsOriginal ? 0 : expectedRemoved.count, problems)
    }

    /// Recomputes rows in f64 and compares them with the stored table.
    func auditTable(options: Options) throws -> (rows: Int, ratio: Double, token: Int, error: Double) {
        let vocab = original.description.vocabSize
        var tokens: [Int]
        if options.fullAudit || vocab <= options.auditRows + 2 {
            tokens = Array(0..<vocab)
        } else {
            var generator = SplitMix64(seed: options.seed ^ 0xA0D1)
            tokens = [0, vocab - 1] + (0..<options.auditRows).map { _ in Int(generator.next() % UInt64(vocab)) }
        }
        let reference = Engine(model: original, cachedLayers: [0])
        let stored = try TableRowReader(model: converted)
        var worst = (ratio: 0.0, token: 0, error: 0.0)
        for token in tokens {
            let expected = try reference.tableRowReference(token: token)
            let row = try stored.row(token)
            for start in stride(from: 0, to: row.count, by: 32) {
                let block = start..<min(row.count, start + 32)
                let blockScale = block.map { abs(expected[$0]) }.max() ?? 0
                for i in block {
                    let error = abs(Double(row[i]) - expected[i])
                    let limit = Self.allowedError(table.tableDType, value: expected[i], blockScale: blockScale)
                    if error / limit > worst.ratio { worst = (error / limit, token, error) }
                }
            }
        }
        return (tokens.count, worst.ratio, worst.token, worst.error)
    }

    /// f32 computation error plus the storage type's rounding: half an f16/bf16 ulp; for Q8_0 half a
    /// step plus the step's own f16 rounding times the largest code (0.5 + 127·2⁻¹¹ steps).
    static func allowedError(_ type: String, value: Double, blockScale: Double) -> Double {
        let compute = 1e-4 * (1 + abs(value))
        switch type {
        case "F32": return compute
        case "F16": return compute + abs(value) * 0x1p-11 + 0x1p-24
        case "BF16": return compute + abs(value) * 0x1p-8
        default: return compute + blockScale / 127 * (0.5 + 127 * 0x1p-11) * 1.01
        }
    }

    func randomSequences(_ options: Options) -> [[Int]] {
        var generator = SplitMix64(seed: options.seed)
        let vocab = UInt64(original.description.vocabSize)
        return (0..<options.sequences).map { _ in (0..<options.randomLength).map { _ in Int(generator.next() % vocab) } }
    }
}

/// Whether two byte ranges hold the same bytes.
func sameBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
}
