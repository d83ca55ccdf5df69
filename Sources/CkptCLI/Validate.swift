import ArgumentParser
import CkptFormats
import CkptPrecompute
import Foundation

/// `ckpt validate ORIGINAL CONVERTED [--tokens 1,2,3 | --random N --seed S] [--sequences K] [--max-kld X] [--json]`.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a converted checkpoint against its original: structure, table audit in f64, logit statistics.")

    @Argument(help: "The original checkpoint.")
    var original: String

    @Argument(help: "The converted checkpoint.")
    var converted: String

    @Option(help: "One explicit token sequence (comma-separated ids) instead of random ones.")
    var tokens: TokenList?

    @Option(help: "Length of each random sequence.")
    var random: Int = 32

    @Option(help: "Seed for the random sequences and audited rows.")
    var seed: UInt64 = 0

    @Option(help: "Number of random sequences.")
    var sequences: Int = 4

    @Option(help: "Largest mean KL divergence that passes (default depends on the table type).")
    var maxKld: Double?

    @Flag(help: "Recompute every table row in f64, not a sample.")
    var fullAudit = false

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    func validate() throws {
        guard random >= 2, sequences >= 1 else { throw ValidationError("--random must be at least 2 and --sequences at least 1") }
        if let tokens, tokens.ids.count < 2 { throw ValidationError("--tokens needs at least 2 tokens") }
    }

    func run() throws {
        var options = Validator.Options()
        options.tokens = tokens?.ids
        options.randomLength = random
        options.sequences = sequences
        options.seed = seed
        options.maxKLD = maxKld
        options.fullAudit = fullAudit
        let start = Date()
        let report = try Validator(original: original, converted: converted).run(options: options)
        let seconds = Date().timeIntervalSince(start)
        let s = report.statistics
        if json {
            let object = JSONObject([
                ("passed", .bool(report.passed)), ("table_dtype", .string(report.tableType)),
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
                ("logits", .object(JSONObject([
                    ("passed", .bool(report.logitsPassed)), ("positions", .number(JSONNumber(s.count))),
                    ("mean_kld", number(s.meanKLD)), ("max_kld", number(s.kld.max() ?? 0)),
                    ("same_top", number(s.sameTopFraction)), ("same_top_outside_ties", number(s.sameTopOutsideTiesFraction)),
                    ("max_abs_logit_diff", number(s.maxAbsoluteDifference)),
                    ("rms_logit_diff", number(s.rmsDifference)), ("nmse", number(s.nmse)),
                    ("limit_mean_kld", number(report.maxKLD)), ("limit_same_top", number(report.minSameTop)),
                ]))),
                ("seconds", number(seconds)),
                ("phase_seconds", .object(JSONObject([
                    ("structure", number(report.phaseSeconds.structure)), ("audit", number(report.phaseSeconds.audit)),
                    ("logits", number(report.phaseSeconds.logits)),
                ]))),
            ])
            print(JSONValue.object(object).serialized(options: .prettyPrinted))
        } else {
            print("structure: \(report.identicalTensors) tensors identical, \(report.replacedTensors) replaced by the table"
                + (report.structurePassed ? ", nothing missing or extra: ok" : ": FAILED"))
            for problem in report.structureProblems { print("  \(problem)") }
            print("table audit (\(report.tableType)): \(report.auditedRows) rows recomputed in f64; worst |Δ| "
                + String(format: "%.3e", report.worstAuditError) + " at token \(report.worstAuditToken) ("
                + String(format: "%.2f", report.worstAuditRatio) + " of its limit): " + (report.auditPassed ? "ok" : "FAILED"))
            print("logits: \(report.sequences.count) sequence(s) of \(report.sequences.first?.count ?? 0) tokens, \(s.count) positions\n")
            print(s.report)
            print("verdict: " + (report.passed ? "pass" : "FAIL") + " (mean KLD " + String(format: "%.3e", s.meanKLD)
                + " ≤ " + String(format: "%.0e", report.maxKLD) + ", same top outside near-ties " + String(format: "%.3f%%", 100 * s.sameTopOutsideTiesFraction)
                + " ≥ " + String(format: "%.1f%%", 100 * report.minSameTop) + ") in " + String(format: "%.1f", seconds) + " s"
                + String(format: " (structure %.1f s, audit %.1f s, logits %.1f s)", report.phaseSeconds.structure,
                    report.phaseSeconds.audit, report.phaseSeconds.logits))
        }
        if !report.passed { throw ExitCode(1) }
    }

    private func number(_ value: Double) -> JSONValue { JSONNumber(exactly: value).map(JSONValue.number) ?? .null }
}
