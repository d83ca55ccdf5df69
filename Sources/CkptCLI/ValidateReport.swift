import CkptPrecompute
import Foundation

/// What `ckpt validate` reports (README, "JSON output" and "What `validate` passes"): the verdict, its
/// checks, and each phase's figures.
struct ValidateReport: CommandReport {
    /// One check of the verdict; `advice` only when it failed.
    struct Check: Codable {
        var name: String
        var passed: Bool
        var detail: String
        var advice: String?
    }

    struct Structure: Codable {
        var passed: Bool
        var identicalTensors: Int
        var replacedTensors: Int
        var problems: [String]

        enum CodingKeys: String, CodingKey {
            case passed
            case identicalTensors = "identical_tensors"
            case replacedTensors = "replaced_tensors"
            case problems
        }
    }

    /// The table audit: rows recomputed in f64, and the worst one against its limit.
    struct Audit: Codable {
        var passed: Bool
        var rows: Int
        var worstToken: Int
        var worstError: Double
        var worstErrorOverLimit: Double

        enum CodingKeys: String, CodingKey {
            case passed, rows
            case worstToken = "worst_token"
            case worstError = "worst_error"
            case worstErrorOverLimit = "worst_error_over_limit"
        }
    }

    /// The converted model against the original with the table's rounding.
    struct Consistency: Codable {
        var passed: Bool
        var maxAbsLogitDiff: Double
        var limitMaxAbsLogitDiff: Double
        /// What the rounding itself moves the logits by (original against rounded original).
        var roundingMaxAbsLogitDiff: Double
        var meanKld: Double
        var topChangesOutsideTies: Int

        enum CodingKeys: String, CodingKey {
            case passed
            case maxAbsLogitDiff = "max_abs_logit_diff"
            case limitMaxAbsLogitDiff = "limit_max_abs_logit_diff"
            case roundingMaxAbsLogitDiff = "rounding_max_abs_logit_diff"
            case meanKld = "mean_kld"
            case topChangesOutsideTies = "top_changes_outside_ties"
        }
    }

    /// The converted model against the original as it is; limits nil (`null`) unless set.
    struct Logits: Codable {
        var positions: Int
        var meanKld: Double
        var maxKld: Double
        var sameTop: Double
        var sameTopOutsideTies: Double
        var maxAbsLogitDiff: Double
        var rmsLogitDiff: Double
        var nmse: Double
        var limitMeanKld: Double?
        var limitSameTop: Double?

        enum CodingKeys: String, CodingKey {
            case positions
            case meanKld = "mean_kld"
            case maxKld = "max_kld"
            case sameTop = "same_top"
            case sameTopOutsideTies = "same_top_outside_ties"
            case maxAbsLogitDiff = "max_abs_logit_diff"
            case rmsLogitDiff = "rms_logit_diff"
            case nmse
            case limitMeanKld = "limit_mean_kld"
            case limitSameTop = "limit_same_top"
        }
    }

    struct PhaseSeconds: Codable {
        var structure: Double
        var audit: Double
        var logits: Double
    }

    var passed: Bool
    var tableDtype: String
    /// Failing checks first.
    var checks: [Check]
    var structure: Structure
    var audit: Audit
    var consistency: Consistency
    var logits: Logits
    var seconds: Double
    var phaseSeconds: PhaseSeconds
    /// Text only: the token sequences compared, and their length.
    var sequenceCount: Int
    var sequenceLength: Int
    /// Text only: the logit statistics in llama-perplexity's format (`DivergenceStatistics.report`).
    var statisticsText: String
    /// Text only: what the table's rounding costs against the original, when it is more than the storage
    /// type typically costs (`TableStorage.typicalMeanKLD`); printed unless both limits judge it.
    var qualityNote: String?

    enum CodingKeys: String, CodingKey {
        case passed
        case tableDtype = "table_dtype"
        case checks, structure, audit, consistency, logits, seconds
        case phaseSeconds = "phase_seconds"
    }

    init(_ report: Validator.Report, seconds: Double) {
        let s = report.statistics
        passed = report.passed
        tableDtype = report.storage.rawValue
        checks = report.checks.map { Check(name: $0.name, passed: $0.passed, detail: $0.detail, advice: $0.passed ? nil : $0.advice) }
        structure = Structure(
            passed: report.structurePassed, identicalTensors: report.identicalTensors, replacedTensors: report.replacedTensors,
            problems: report.structureProblems)
        audit = Audit(
            passed: report.auditPassed, rows: report.auditedRows, worstToken: report.worstAuditToken, worstError: report.worstAuditError,
            worstErrorOverLimit: report.worstAuditRatio)
        consistency = Consistency(
            passed: report.consistencyPassed, maxAbsLogitDiff: report.consistency.maxAbsoluteDifference,
            limitMaxAbsLogitDiff: report.consistencyLimit, roundingMaxAbsLogitDiff: report.roundingEffect,
            meanKld: report.consistency.meanKLD, topChangesOutsideTies: report.consistency.decisiveTopChanges)
        logits = Logits(
            positions: s.count, meanKld: s.meanKLD, maxKld: s.kld.max() ?? 0, sameTop: s.sameTopFraction,
            sameTopOutsideTies: s.sameTopOutsideTiesFraction, maxAbsLogitDiff: s.maxAbsoluteDifference, rmsLogitDiff: s.rmsDifference,
            nmse: s.nmse, limitMeanKld: report.maxKLD, limitSameTop: report.minSameTop)
        self.seconds = seconds
        phaseSeconds = PhaseSeconds(
            structure: report.phaseSeconds.structure, audit: report.phaseSeconds.audit, logits: report.phaseSeconds.logits)
        sequenceCount = report.sequences.count
        sequenceLength = report.sequences.first?.count ?? 0
        statisticsText = s.report
        let typical = report.storage.typicalMeanKLD
        qualityNote =
            s.meanKLD > typical
            ? "\(tableDtype) rounding costs this model a mean KLD of " + String(format: "%.2e", s.meanKLD)
                + ", more than the " + String(format: "%.0e", typical) + " it typically costs (not judged without --max-kld); "
                + "--table-dtype f32 avoids it"
            : nil
    }

    var text: String {
        var lines: [String] = []
        lines.append(
            "structure: \(structure.identicalTensors) tensors identical, \(structure.replacedTensors) replaced by the table"
                + (structure.passed ? ", nothing missing or extra: ok" : ": FAILED"))
        for problem in structure.problems { lines.append("  \(problem)") }
        lines.append(
            "table audit (\(tableDtype)): \(audit.rows) rows recomputed in f64; worst |Δ| "
                + String(format: "%.3e", audit.worstError) + " at token \(audit.worstToken) ("
                + String(format: "%.2f", audit.worstErrorOverLimit) + " of its limit): " + (audit.passed ? "ok" : "FAILED"))
        lines.append("logits: \(sequenceCount) sequence(s) of \(sequenceLength) tokens, \(logits.positions) positions")
        lines.append(
            "  against the original with the table's \(tableDtype) rounding: max |Δlogit| "
                + String(format: "%.3e", consistency.maxAbsLogitDiff) + " (limit "
                + String(format: "%.3e", consistency.limitMaxAbsLogitDiff)
                + "; the rounding itself moves logits by up to " + String(format: "%.3e", consistency.roundingMaxAbsLogitDiff) + ")")
        lines.append("  against the original as it is:\n")
        lines.append(statisticsText)
        if logits.limitMeanKld == nil || logits.limitSameTop == nil, let qualityNote { lines.append("note: " + qualityNote) }
        let failed = checks.filter { !$0.passed }
        let passedChecks = checks.filter(\.passed)
        var verdict = "verdict: " + (passed ? "pass" : "FAIL")
        if !failed.isEmpty { verdict += ": " + failed.map { "\($0.name) (\($0.detail))" }.joined(separator: "; ") + "; passed" }
        verdict += ": " + (passedChecks.isEmpty ? "none" : passedChecks.map { "\($0.name) (\($0.detail))" }.joined(separator: "; "))
        lines.append(verdict)
        for check in failed { if let advice = check.advice { lines.append("advice (\(check.name)): " + advice) } }
        lines.append(
            String(
                format: "in %.1f s (structure %.1f s, audit %.1f s, logits %.1f s)", seconds, phaseSeconds.structure,
                phaseSeconds.audit, phaseSeconds.logits))
        return lines.joined(separator: "\n") + "\n"
    }
}
