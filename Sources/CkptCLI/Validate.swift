import ArgumentParser
import CkptFormats
import CkptPrecompute
import Foundation

/// `ckpt validate ORIGINAL CONVERTED [--tokens 1,2,3 | --random N --seed S] [--sequences K] [--max-kld X] [--min-same-top P] [--any-source] [--json]`.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a converted checkpoint against its original: structure, table audit in f64, logit statistics.")

    @Argument(help: "The original checkpoint.")
    var original: String

    @Argument(help: "The converted checkpoint.")
    var converted: String

    @Option(parsing: .unconditional, help: "One explicit token sequence (comma-separated ids) instead of random ones.")
    var tokens: TokenList?

    @Option(parsing: .unconditional, help: "Length of each random sequence.")
    var random: Int = 32

    @Option(parsing: .unconditional, help: "Seed for the random sequences and audited rows.")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Number of random sequences.")
    var sequences: Int = 4

    @Option(parsing: .unconditional, help: "Fail when the mean KL divergence from the original is above this (with 95% confidence).")
    var maxKld: Double?

    @Option(parsing: .unconditional, help: "Fail when fewer positions than this percentage keep the original's top-1 token (with 95% confidence), e.g. 99.5.")
    var minSameTop: Double?

    @Flag(help: "Compare even when the converted file records another source than ORIGINAL (e.g. ORIGINAL was renamed).")
    var anySource = false

    @Flag(help: "Recompute every table row in f64, not a sample.")
    var fullAudit = false

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    func validate() throws {
        guard random >= 2 else { throw ValidationError("--random must be at least 2") }
        guard sequences >= 1 else { throw ValidationError("--sequences must be positive") }
        if let tokens, tokens.ids.count < 2 { throw ValidationError("--tokens needs at least 2 tokens") }
        try tokens?.checkTokenIDs("--tokens")
        if let maxKld, !(maxKld >= 0) || !maxKld.isFinite { throw ValidationError("--max-kld must be a number 0 or above") }
        if let minSameTop, !(0...100).contains(minSameTop) { throw ValidationError("--min-same-top is a percentage, 0 to 100") }
    }

    func run() throws {
        Interrupts.setSubject(converted)
        var options = Validator.Options()
        options.tokens = tokens?.ids
        options.randomLength = random
        options.sequences = sequences
        options.seed = seed
        options.maxKLD = maxKld
        options.minSameTop = minSameTop.map { $0 / 100 }
        options.fullAudit = fullAudit
        let start = Date()
        let report = try Validator(original: original, converted: converted, anySource: anySource).run(options: options)
        let seconds = Date().timeIntervalSince(start)
        if json {
            print(JSONValue.object(jsonReport(report, seconds: seconds)).serialized(options: .prettyPrinted))
        } else {
            print(textReport(report, seconds: seconds), terminator: "")
        }
        if !report.passed { throw ExitCode(1) }
    }

    func textReport(_ report: Validator.Report, seconds: Double) -> String {
        let s = report.statistics
        var lines: [String] = []
        lines.append("structure: \(report.identicalTensors) tensors identical, \(report.replacedTensors) replaced by the table"
            + (report.structurePassed ? ", nothing missing or extra: ok" : ": FAILED"))
        for problem in report.structureProblems { lines.append("  \(problem)") }
        lines.append("table audit (\(report.storage.rawValue)): \(report.auditedRows) rows recomputed in f64; worst |Δ| "
            + String(format: "%.3e", report.worstAuditError) + " at token \(report.worstAuditToken) ("
            + String(format: "%.2f", report.worstAuditRatio) + " of its limit): " + (report.auditPassed ? "ok" : "FAILED"))
        lines.append("logits: \(report.sequences.count) sequence(s) of \(report.sequences.first?.count ?? 0) tokens, \(s.count) positions")
        lines.append("  against the original with the table's \(report.storage.rawValue) rounding: max |Δlogit| "
            + String(format: "%.3e", report.consistency.maxAbsoluteDifference) + " (limit " + String(format: "%.3e", report.consistencyLimit)
            + "; the rounding itself moves logits by up to " + String(format: "%.3e", report.roundingEffect) + ")")
        lines.append("  against the original as it is:\n")
        lines.append(s.report)
        if report.maxKLD == nil || report.minSameTop == nil, let note = qualityNote(report) { lines.append("note: " + note) }
        let checks = report.checks
        let failed = checks.filter { !$0.passed }
        let passed = checks.filter(\.passed)
        var verdict = "verdict: " + (report.passed ? "pass" : "FAIL")
        if !failed.isEmpty { verdict += ": " + failed.map { "\($0.name) (\($0.detail))" }.joined(separator: "; ") + "; passed" }
        verdict += ": " + (passed.isEmpty ? "none" : passed.map { "\($0.name) (\($0.detail))" }.joined(separator: "; "))
        lines.append(verdict)
        for check in failed { if let advice = check.advice { lines.append("advice (\(check.name)): " + advice) } }
        lines.append(String(format: "in %.1f s (structure %.1f s, audit %.1f s, logits %.1f s)", seconds, report.phaseSeconds.structure,
            report.phaseSeconds.audit, report.phaseSeconds.logits))
        return lines.joined(separator: "\n") + "\n"
    }

    /// What the table's rounding costs against the original, when no limit judges it: said when the
    /// mean KLD is above what the storage type typically costs (`TableStorage.typicalMeanKLD`).
    func qualityNote(_ report: Validator.Report) -> String? {
        let typical = report.storage.typicalMeanKLD
        let kld = report.statistics.meanKLD
        guard kld > typical else { return nil }
        return "\(report.storage.rawValue) rounding costs this model a mean KLD of " + String(format: "%.2e", kld)
            + ", more than the " + String(format: "%.0e", typical) + " it typically costs (not judged without --max-kld); "
            + "--table-dtype f32 avoids it"
    }

    func jsonReport(_ report: Validator.Report, seconds: Double) -> JSONObject {
        let s = report.statistics
        return JSONObject([
            ("passed", .bool(report.passed)), ("table_dtype", .string(report.storage.rawValue)),
            ("checks", .array(report.checks.map { check in
                .object(JSONObject([
                    ("name", .string(check.name)), ("passed", .bool(check.passed)), ("detail", .string(check.detail)),
                    ("advice", check.passed ? .null : check.advice.map(JSONValue.string) ?? .null),
                ]))
            })),
            ("structure", .object(JSONObject([
                ("passed", .bool(report.structurePassed)), ("identical_tensors", .number(JSONNumber(report.identicalTensors))),
                ("replaced_tensors", .number(JSONNumber(report.replacedTensors))),
                ("problems", .array(report.structureProblems.map(JSONValue.string))),
            ]))),
            ("audit", .object(JSONObject([
                ("passed", .bool(report.auditPassed)), ("rows", .number(JSONNumber(report.auditedRows))),
                ("worst_token", .number(JSONNumber(report.worstAuditToken))), ("worst_error", number(report.worstAuditError)),
                ("worst_error_over_limit", number(report.worstAuditRatio)),
            ]))),
            ("consistency", .object(JSONObject([
                ("passed", .bool(report.consistencyPassed)),
                ("max_abs_logit_diff", number(report.consistency.maxAbsoluteDifference)),
                ("limit_max_abs_logit_diff", number(report.consistencyLimit)),
                ("rounding_max_abs_logit_diff", number(report.roundingEffect)),
                ("mean_kld", number(report.consistency.meanKLD)),
                ("top_changes_outside_ties", .number(JSONNumber(report.consistency.decisiveTopChanges))),
            ]))),
            ("logits", .object(JSONObject([
                ("positions", .number(JSONNumber(s.count))),
                ("mean_kld", number(s.meanKLD)), ("max_kld", number(s.kld.max() ?? 0)),
                ("same_top", number(s.sameTopFraction)), ("same_top_outside_ties", number(s.sameTopOutsideTiesFraction)),
                ("max_abs_logit_diff", number(s.maxAbsoluteDifference)),
                ("rms_logit_diff", number(s.rmsDifference)), ("nmse", number(s.nmse)),
                ("limit_mean_kld", report.maxKLD.map(number) ?? .null), ("limit_same_top", report.minSameTop.map(number) ?? .null),
            ]))),
            ("seconds", number(seconds)),
            ("phase_seconds", .object(JSONObject([
                ("structure", number(report.phaseSeconds.structure)), ("audit", number(report.phaseSeconds.audit)),
                ("logits", number(report.phaseSeconds.logits)),
            ]))),
        ])
    }

    private func number(_ value: Double) -> JSONValue { JSONNumber(exactly: value).map(JSONValue.number) ?? .null }
}
