import CkptPrecompute
import CkptTestSupport
import Foundation
import Testing

/// Every fixture, HF and GGUF, converted with `convert`'s default options (the table type `auto` picks),
/// passes `validate` with its default options.
@Suite(.removesTemporaryDirectories) struct DefaultValidationTests {
    @Test(arguments: ConversionTests.sources)
    func defaultConversionValidates(_ source: String) throws {
        let dir = try makeScopedTemporaryDirectory("default-validate")
        let output = dir.appendingPathComponent(source.hasSuffix(".gguf") ? "out.gguf" : "out").path
        let input = Samples.url("tiny/\(source)").path
        _ = try Converter(input: input, output: output, options: ConversionOptions(threads: ProcessInfo.processInfo.activeProcessorCount))
            .run()
        let report = try Validator(original: input, converted: output).run(options: .init())
        #expect(report.passed, "\(source): \(report.structureProblems) audit \(report.worstAuditRatio)")
    }
}
