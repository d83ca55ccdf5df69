import CkptEngine
import CkptFormats
import CkptModels
import CkptStorage
import Foundation

/// `ckpt validate ORIGINAL CONVERTED`: (a) structure — every tensor that should pass through is
/// byte-identical, nothing else missing or extra; (b) table audit — rows recomputed in f64 against
/// the stored table, within the table type's rounding; (c) logits of the converted model against the
/// original's with layer 0 passed through the very same storage rounding (what a correct conversion
/// computes, up to float noise); (d) logits against the original as it is, in llama-perplexity's
/// statistics, judged only against limits the user sets. README "What validate passes" argues each.
public struct Validator {
    public struct Options: Sendable {
        /// One explicit sequence; otherwise `sequences` random ones of `randomLength` tokens.
        public var tokens: [Int]?
        public var randomLength = 32
        public var sequences = 4
        public var seed: UInt64 = 0
        /// Table rows audited besides the first, the last and every token of the sequences (all rows
        /// with `fullAudit`).
        public var auditRows = 64
        public var fullAudit = false
        /// Largest mean KL divergence from the original that passes; unchecked when nil.
        public var maxKLD: Double?
        /// Smallest share of positions whose top-1 token is the original's; unchecked when nil.
        public var minSameTop: Double?

        public init() {}
    }

    /// One pass/fail judgement of the verdict, with its numbers.
    public struct Check: Sendable {
        public var name: String
        public var passed: Bool
        /// The measured value against its limit, with `≤`/`≥`/`>`/`<` true to the numbers.
        public var detail: String
        /// What to do about a failure.
        public var advice: String?
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
        /// The converted model against the original.
        public var statistics: DivergenceStatistics
        /// The converted model against the original with the table's storage rounding applied.
        public var consistency: DivergenceStatistics
        /// Largest |Δlogit| the storage rounding itself causes (original vs rounded original).
        public var roundingEffect: Double
        /// Largest |Δlogit| against the rounded original that passes (`consistencyLimit(...)`).
        public var consistencyLimit: Double
        public var sequences: [[Int]]
        public var maxKLD: Double?
        public var minSameTop: Double?
        /// How the converted table stores its values.
        public var storage: TableStorage
        /// Logits that are NaN or infinite, of the original and of the converted model.
        public var nonFiniteLogits: (original: Int, converted: Int)
        /// Wall time of the structure check, the table audit and the forward passes.
        public var phaseSeconds: (structure: Double, audit: Double, logits: Double)

        public var structurePassed: Bool { structureProblems.isEmpty }
        public var auditPassed: Bool { worstAuditRatio <= 1 }
        public var consistencyPassed: Bool { consistency.maxAbsoluteDifference <= consistencyLimit }
        public var logitsFinite: Bool { nonFiniteLogits == (0, 0) }

        /// Every check of the verdict, failing ones first.
        public var checks: [Check] {
            var all = [
                Check(
                    name: "structure", passed: structurePassed,
                    detail: structurePassed
                        ? "\(identicalTensors) tensors identical, nothing missing or extra"
                        : "\(structureProblems.count) problem(s): " + structureProblems.prefix(3).joined(separator: "; "),
                    advice: "the converted file was not made from this original, or was changed since: convert again"),
                Check(
                    name: "table audit", passed: auditPassed,
                    detail: "worst row error " + Self.text(worstAuditRatio, "%.2f") + (auditPassed ? " ≤ " : " > ")
                        + "1 of its limit over \(auditedRows) rows (token \(worstAuditToken))",
                    advice: "stored rows differ from the original's first layer by more than \(storage.rawValue) rounding: convert again"),
                Check(
                    name: "logits vs rounded original", passed: consistencyPassed,
                    detail: "max |Δlogit| " + Self.text(consistency.maxAbsoluteDifference) + (consistencyPassed ? " ≤ " : " > ")
                        + Self.text(consistencyLimit),
                    advice: "the converted model does not compute what its table's rounding allows: convert again"),
                Check(
                    name: "finite logits", passed: logitsFinite,
                    detail: "\(nonFiniteLogits.original) NaN or infinite logits from the original, \(nonFiniteLogits.converted) "
                        + "from the converted model",
                    advice: "the weights hold NaN or infinity, or overflow: no comparison of such logits means anything"),
            ]
            if let maxKLD { all.append(klCheck(limit: maxKLD)) }
            if let minSameTop { all.append(sameTopCheck(limit: minSameTop)) }
            return all.filter { !$0.passed } + all.filter(\.passed)
        }

        public var passed: Bool { checks.allSatisfy(\.passed) }

        /// Fails when the mean KLD is above `limit` with 95% confidence (one-sided, the mean's
        /// standard error from the positions' spread), so a handful of positions cannot fail by chance.
        func klCheck(limit: Double) -> Check {
            let (mean, error) = DivergenceStatistics.meanAndUncertainty(statistics.kld)
            let lowerBound = mean - 1.645 * error
            let passed = lowerBound <= limit
            var detail = "mean KLD " + Self.text(mean) + (mean <= limit ? " ≤ " : " > ") + Self.text(limit)
            if mean > limit, passed { detail += " but within sampling noise (95% lower bound " + Self.text(lowerBound) + ")" }
            return Check(
                name: "mean KLD", passed: passed, detail: detail,
                advice: "\(storage.rawValue) rounding costs more than --max-kld allows: --table-dtype f32 (or f16) keeps more precision")
        }

        /// Fails when the top-1 changes (outside near-ties) are too many for a true rate of
        /// `1 − limit`: a one-sided binomial test at 5%, so 124 positions may show 2 changes at 99.5%.
        func sameTopCheck(limit: Double) -> Check {
            let n = statistics.count
            let changes = statistics.decisiveTopChanges
            let allowed = Self.binomialAllowance(positions: n, rate: 1 - limit)
            let share = statistics.sameTopOutsideTiesFraction
            var detail =
                "same top outside near-ties " + String(format: "%.2f%%", 100 * share) + (share >= limit ? " ≥ " : " < ")
                + String(format: "%.2f%%", 100 * limit) + ": \(changes) change(s) in \(n) positions"
            detail += changes <= allowed ? ", ≤ \(allowed) allowed at 95% confidence" : ", > \(allowed) allowed at 95% confidence"
            return Check(
                name: "same top", passed: changes <= allowed, detail: detail,
                advice: "more --sequences measure it more closely; --table-dtype f32 (or f16) keeps more precision")
        }

        /// The largest number of changes among `positions` that a true change rate of `rate` still
        /// explains at 5% (one-sided): the largest c with P(X ≥ c) ≥ 0.05 for X ~ Binomial(n, rate).
        public static func binomialAllowance(positions n: Int, rate p: Double) -> Int {
            guard n > 0 else { return 0 }
            guard p > 0 else { return 0 }
            guard p < 1 else { return n }
            func logProbability(_ k: Int) -> Double {
                lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
                    + Double(k) * log(p) + Double(n - k) * log1p(-p)
            }
            var tail = 1.0  // P(X ≥ c)
            var c = 0
            while c < n {
                tail -= exp(logProbability(c))
                if tail < 0.05 { return c }
                c += 1
            }
            return n
        }

        static func text(_ value: Double, _ format: String = "%.2e") -> String { String(format: format, value) }
    }

    let original: Model
    let converted: Model
    let table: PrecomputedTable

    /// Opens both checkpoints. The converted one must record `original` as its source (the fingerprint
    /// of its files' names, sizes, headers and config.json), unless `anySource`: comparing a conversion
    /// with a checkpoint it was not made from says nothing about the conversion.
    public init(original: String, converted: String, anySource: Bool = false) throws {
        self.original = try Model(Checkpoint.open(original))
        self.converted = try Model(Checkpoint.open(converted))
        guard self.original.table == nil else {
            throw FormatError(file: original, "is itself converted; give the original checkpoint first")
        }
        guard let table = self.converted.table else {
            throw FormatError(file: converted, "has no precomputed first-layer table")
        }
        guard anySource || table.sourceFingerprint == self.original.checkpoint.sourceFingerprint else {
            throw FormatError(
                file: converted,
                "was converted from another checkpoint than \(original): the source fingerprint it records "
                    + "(file names, sizes, headers, config.json) differs; --any-source compares them anyway, e.g. after a rename")
        }
        self.table = table
    }

    /// The largest |Δlogit| between the converted model and the rounded original that passes. Both
    /// run the same code on the same stored values, so they differ only where a GEMM over a sequence
    /// rounds a value to the other side of a storage rounding boundary than the table's chunked GEMM
    /// did. BLAS kernels may pick their summation order by matrix size (OpenBLAS's AVX-512 kernels do:
    /// a tiny Cohere's BF16 table then differs in enough elements to move the logits by 0.44 of the
    /// rounding effect), so every element may be one storage step off: at most what the rounding
    /// itself moves (`roundingEffect`), plus f32 evaluation noise relative to the logits' size. A
    /// table wrong by more than its rounding allows is the audit's to find, element by element.
    static func consistencyLimit(roundingEffect: Double, logitScale: Double) -> Double {
        roundingEffect + 1e-4 * max(1, logitScale)
    }

    /// `validate`'s phases, in order, for progress: bytes compared, table rows audited, layers run.
    public enum Phase: String, Sendable {
        case structure, audit, logits
    }

    /// Validates; `progress(phase, done, total)` follows each phase (bytes, rows, layers).
    public func run(options: Options, progress: ((Phase, Int, Int) -> Void)? = nil) throws -> Report {
        var clock = Date()
        func lap() -> Double {
            defer { clock = Date() }
            return Date().timeIntervalSince(clock)
        }
        let (identical, replaced, problems) = try checkStructure { progress?(.structure, $0, $1) }
        let structureSeconds = lap()
        let sequences = options.tokens.map { [$0] } ?? randomSequences(options)
        let audit = try auditTable(options: options, alsoTokens: Set(sequences.joined())) { progress?(.audit, $0, $1) }
        let auditSeconds = lap()
        let (baseLogits, candidateLogits, referenceLogits) = try logits(sequences, together: problems.isEmpty) {
            progress?(.logits, $0, $1)
        }
        var statistics = DivergenceStatistics()
        var consistency = DivergenceStatistics()
        var roundingEffect = 0.0
        var logitScale = 0.0
        var nonFinite = (original: 0, converted: 0)
        let vocab = original.description.vocabSize
        for (index, tokens) in sequences.enumerated() {
            let (a, b, r) = (baseLogits[index], candidateLogits[index], referenceLogits[index])
            nonFinite.original += a.count(where: { !$0.isFinite })
            nonFinite.converted += b.count(where: { !$0.isFinite })
            for position in 0..<max(0, tokens.count - 1) {
                let row = (position * vocab)..<((position + 1) * vocab)
                statistics.add(base: a[row], candidate: b[row], nextToken: tokens[position + 1])
                consistency.add(base: r[row], candidate: b[row], nextToken: tokens[position + 1])
                for i in row {
                    roundingEffect = max(roundingEffect, Double(abs(r[i] - a[i])))
                    logitScale = max(logitScale, Double(abs(r[i])))
                }
            }
        }
        let logitsSeconds = lap()
        return Report(
            identicalTensors: identical, replacedTensors: replaced, structureProblems: problems,
            auditedRows: audit.rows, worstAuditRatio: audit.ratio, worstAuditToken: audit.token, worstAuditError: audit.error,
            statistics: statistics, consistency: consistency, roundingEffect: roundingEffect,
            consistencyLimit: Self.consistencyLimit(roundingEffect: roundingEffect, logitScale: logitScale),
            sequences: sequences, maxKLD: options.maxKLD, minSameTop: options.minSameTop, storage: table.storage,
            nonFiniteLogits: nonFinite,
            phaseSeconds: (structureSeconds, auditSeconds, logitsSeconds))
    }

    /// The original's logits, the converted model's, and the original's with layer 0 stored as the
    /// table stores it (the original's own when the table is f32). When the structure check found the
    /// two files' other tensors identical, the three run `together` through the original's layers, each
    /// layer decoded once and the rounded original shared with the converted model when their layer-0
    /// rows are the same bits (`Engine.logits(groups:)`); else each model runs on its own weights.
    func logits(_ sequences: [[Int]], together: Bool, progress: @escaping (Int, Int) -> Void) throws -> (
        base: [[Float]], candidate: [[Float]], reference: [[Float]]
    ) {
        let base = Engine(model: original)
        let f32 = table.storage == .f32
        guard together else {
            let baseLogits = try base.logits(sequences: sequences)
            return (
                baseLogits, try Engine(model: converted).logits(sequences: sequences),
                f32 ? baseLogits : try base.logits(sequences: sequences, storeLayerZero: rounding())
            )
        }
        var groups = [
            sequences.map { Engine.Run(tokens: $0, layerZero: .computed) },
            sequences.map { Engine.Run(tokens: $0, layerZero: .table(converted)) },
        ]
        if !f32 { groups.append(sequences.map { Engine.Run(tokens: $0, layerZero: .stored(rounding())) }) }
        let logits = try base.logits(groups: groups, progress: progress)
        return (logits[0], logits[1], f32 ? logits[0] : logits[2])
    }

    /// What storing layer 0's rows in the converted table's storage does to them: encoded as the
    /// converter encodes, decoded back to f32.
    func rounding() -> (TokenLocal, Int) throws(ModelError) -> TokenLocal {
        let encoding = TableEncoding(storage: table.storage, format: converted.checkpoint.format)
        let segments = table.segments
        let path = converted.checkpoint.path
        return { local, count throws(ModelError) in
            do {
                return try Self.stored(local, count: count, encoding: encoding, segments: segments, path: path)
            } catch let error as FormatError {
                throw ModelError(error)
            } catch {
                throw ModelError(file: path, "\(error)")
            }
        }
    }

    private static func stored(
        _ local: TokenLocal, count: Int, encoding: TableEncoding, segments: [TableSegment], path: String
    ) throws -> TokenLocal {
        let rows = local.tableRows(count: count, segments: segments)
        let bytes = try encoding.encode(rows)
        var decoded = [Float](repeating: 0, count: rows.count)
        try bytes.withUnsafeBytes { raw in
            try decoded.withUnsafeMutableBufferPointer { out in
                try decodeFloats(
                    encoding.storage.tensorType(in: encoding.format)!, raw, into: out, file: path, tensor: PrecomputedTable.tensorName)
            }
        }
        return TokenLocal(tableRows: decoded, segments: segments)
    }

    /// Every original tensor outside the replaced set is present and byte-identical; the converted
    /// file adds only the table (and a tied head's own copy).
    /// `progress(bytes, total)` follows the bytes compared.
    func checkStructure(progress: (Int, Int) -> Void = { _, _ in }) throws -> (Int, Int, [String]) {
        var problems: [String] = []
        let expectedRemoved = Set(original.firstLayerTableTensors)
        let recorded = Set(table.removedTensors)
        let keepsOriginal = recorded.isEmpty
        if !keepsOriginal, recorded != expectedRemoved {
            problems.append(
                "recorded removed tensors differ from what the table replaces: "
                    + "\(recorded.symmetricDifference(expectedRemoved).sorted().joined(separator: ", "))")
        }
        var identical = 0
        let compared = original.checkpoint.tensors.filter { keepsOriginal || !expectedRemoved.contains($0.name) }
        let total = compared.reduce(0) { $0 + $1.byteCount }
        var done = 0
        for tensor in compared {
            defer {
                done += tensor.byteCount
                progress(done, total)
            }
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
        var allowed: Set<String> =
            table.compression == nil
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

    /// Recomputes rows in f64 and compares them with the stored table: the first and last rows,
    /// `auditRows` seeded ones and `alsoTokens` (the sequences' tokens), or every row.
    /// `progress(rows, total)` follows the rows audited.
    func auditTable(options: Options, alsoTokens: Set<Int>, progress: (Int, Int) -> Void = { _, _ in }) throws -> (
        rows: Int, ratio: Double, token: Int, error: Double
    ) {
        let vocab = original.description.vocabSize
        var tokens: [Int]
        if options.fullAudit || vocab <= options.auditRows + 2 {
            tokens = Array(0..<vocab)
        } else {
            var generator = SplitMix64(seed: options.seed ^ 0xA0D1)
            var chosen = alsoTokens.union([0, vocab - 1])
            for _ in 0..<options.auditRows { chosen.insert(Int(generator.next() % UInt64(vocab))) }
            tokens = chosen.sorted()
        }
        let reference = Engine(model: original, cachedLayers: [0])
        let stored = try TableRowReader(model: converted)
        var worst = (ratio: 0.0, token: 0, error: 0.0)
        var references: [Int: [Double]] = [:]
        for (index, token) in tokens.enumerated() {
            defer { progress(index + 1, tokens.count) }
            if references[token] == nil {
                references = try Self.tableRowReferences(reference, Array(tokens[index..<min(tokens.count, index + 64)]))
            }
            let expected = references.removeValue(forKey: token)!
            let row = try stored.row(token)
            for start in stride(from: 0, to: row.count, by: 32) {
                let block = start..<min(row.count, start + 32)
                let blockScale = block.map { abs(expected[$0]) }.max() ?? 0
                for i in block {
                    let error = abs(Double(row[i]) - expected[i])
                    let limit = 1e-4 * (1 + abs(expected[i])) + table.storage.roundingBound(value: expected[i], blockScale: blockScale)
                    // A NaN or infinity on either side is no row a conversion should store: infinitely off.
                    let ratio = (error / limit).isNaN ? .infinity : error / limit
                    if ratio > worst.ratio { worst = (ratio, token, error) }
                }
            }
        }
        return (tokens.count, worst.ratio, worst.token, worst.error)
    }

    /// `tableRowReference` of each of `tokens`, computed on every core.
    static func tableRowReferences(_ engine: Engine, _ tokens: [Int]) throws -> [Int: [Double]] {
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var rows: [Int: [Double]] = [:]
        }
        let results = Results()
        let threads = ThreadGroup()
        let workers = min(tokens.count, ProcessInfo.processInfo.activeProcessorCount)
        for worker in 0..<workers {
            threads.start {
                for token in stride(from: worker, to: tokens.count, by: workers).map({ tokens[$0] }) where !threads.hasFailed {
                    let row = try engine.tableRowReference(token: token)
                    results.lock.withLock { results.rows[token] = row }
                }
            }
        }
        try threads.wait()
        return results.rows
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
