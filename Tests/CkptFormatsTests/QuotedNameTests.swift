import CkptFormats
import CkptStorage
import CkptTestSupport
import Foundation
import Testing

/// Names read from files reach error messages escaped and bounded (docs/formats.md, "Hostile inputs"
/// row 55): no newline, control character or ANSI escape sequence, at most ~200 bytes.
@Suite(.removesTemporaryDirectories) struct QuotedNameTests {
    @Test func controlCharactersAreEscaped() {
        #expect(QuotedName("a\nb\tc\r").description == #"a\nb\tc\r"#)
        #expect(QuotedName("\u{1B}[31mred\u{1B}[0m").description == #"\u{1B}[31mred\u{1B}[0m"#)
        #expect(QuotedName("\u{9B}2J\u{7F}\u{202E}x").description == #"\u{9B}2J\u{7F}\u{202E}x"#)
        #expect(QuotedName("model.layers.0.weight").description == "model.layers.0.weight")
        #expect(QuotedName("é日本").description == "é日本")
    }

    @Test func longNamesAreCutAtACharacterBoundary() {
        #expect(QuotedName(String(repeating: "a", count: 200)).description == String(repeating: "a", count: 200))
        #expect(QuotedName(String(repeating: "a", count: 201)).description == String(repeating: "a", count: 200) + "…")
        let cut = QuotedName(String(repeating: "é", count: 150)).description
        #expect(cut == String(repeating: "é", count: 100) + "…")
    }

    @Test func errorsEscapeWhatTheyQuote() {
        let error = FormatError(
            file: "m.safetensors", "unknown dtype \"\u{1B}]0;owned\u{7}\"", subject: "t\nx" + String(repeating: "n", count: 300))
        let text = error.description
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }, "\(text)")
        #expect(text.contains(#"t\nx"#) && text.contains("…: unknown dtype"), "\(text)")
        #expect(text.contains(#"\u{1B}]0;owned\u{7}"#))
        #expect(text.utf8.count < 320)
    }

    @Test func aHostileHeaderCannotDriveTheTerminal() throws {
        let directory = try makeScopedTemporaryDirectory("quoted")
        let path = directory.appendingPathComponent("m.safetensors").path
        let name = #"\u001b[2J\u001b[H"# + String(repeating: "x", count: 5000) + #"\n"#
        let header = #"{"\#(name)":{"dtype":"\u001b[31mF99\r\n","shape":[1],"data_offsets":[0,4]}}"#
        try Data(rawSafetensors(header: header, data: [0, 0, 0, 0])).write(to: URL(fileURLWithPath: path))
        let run = try runCkpt(["inspect", path])
        #expect(run.status == 2)
        #expect(run.stderr.split(separator: "\n", omittingEmptySubsequences: false).count == 2, "\(run.stderr)")
        #expect(!run.stderr.dropLast().unicodeScalars.contains { $0.value < 0x20 }, "\(run.stderr)")
        #expect(run.stderr.contains(#"unknown dtype "\u{1B}[31mF99\r\n""#), "\(run.stderr)")
        #expect(run.stderr.utf8.count < 600, "\(run.stderr.utf8.count) bytes")
    }
}
