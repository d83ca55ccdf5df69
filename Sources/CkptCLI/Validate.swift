import ArgumentParser
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

    @Option(parsing: .unconditional, help: "Length of each random sequence, 2 to 4096 (and the model's context length).")
    var random: Int = 32

    @Option(parsing: .unconditional, help: "Seed for the random sequences and audited rows.")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Number of random sequences, 1 to 256.")
    var sequences: Int = 4

    @Option(parsing: .unconditional, help: "Fail when the mean KL divergence from the original is above this (with 95% confidence).")
    var maxKld: Double?

    @Option(
        parsing: .unconditional,
        help: "Fail when fewer positions than this percentage keep the original's top-1 token (with 95% confidence), e.g. 99.5.")
    var minSameTop: Double?

    @Flag(help: "Compare even when the converted file records another source than ORIGINAL (e.g. ORIGINAL was renamed).")
    var anySource = false

    @Flag(help: "Recompute every table row in f64, not a sample.")
    var fullAudit = false

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    func validate() throws {
        guard random >= 2 else { throw ValidationError("--random must be at least 2") }
        try OptionLimits.checkLength(random, "--random")
        try OptionLimits.checkSequences(sequences)
        if let tokens, tokens.ids.count < 2 { throw ValidationError("--tokens needs at least 2 tokens") }
        if let tokens { try OptionLimits.checkLength(tokens.ids.count, "--tokens") }
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
        let status = ValidateProgress()
        let line = ProgressLine(quiet: json) { status.text }
        let validator = try Validator(original: original, converted: converted, anySource: anySource)
        try OptionLimits.checkContext(
            tokens?.ids.count ?? random, tokens == nil ? "--random" : "--tokens", context: validator.contextLength, file: original)
        let report = try validator.run(options: options) {
            status.update($0, done: $1, total: $2)
        }
        line?.finish()
        let seconds = Date().timeIntervalSince(start)
        try ValidateReport(report, seconds: seconds).print(json: json)
        if !report.passed { throw ExitCode(1) }
    }
}

/// `validate`'s current phase and how far it is.
private final class ValidateProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var phase: (phase: Validator.Phase, start: Date, done: Int, total: Int)?

    func update(_ current: Validator.Phase, done: Int, total: Int) {
        lock.withLock {
            if phase?.phase != current { phase = (current, Date(), 0, 0) }
            phase?.done = done
            phase?.total = total
        }
    }

    var text: String {
        lock.withLock {
            guard let phase else { return "validate: opening" }
            let unit = ["structure": "bytes", "audit": "rows", "logits": "layers"][phase.phase.rawValue] ?? ""
            let name = phase.phase == .structure ? "structure check" : phase.phase == .audit ? "table audit" : "logits"
            return "validate: "
                + PhaseProgress(
                    name: name, done: phase.done, total: phase.total, unit: unit, seconds: Date().timeIntervalSince(phase.start)
                ).text
        }
    }
}
