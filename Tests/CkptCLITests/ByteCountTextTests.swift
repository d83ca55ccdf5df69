import Testing

@testable import CkptCLI

@Suite struct ByteCountTextTests {
    @Test func binaryUnitsWithThreeSignificantDigits() {
        let cases: [(Int, String)] = [
            (0, "0 bytes"), (1, "1 byte"), (1000, "1000 bytes"), (1024, "1.00 KiB"), (157_984, "154 KiB"), (115_200, "112 KiB"),
            (57_600, "56.2 KiB"), (1_023_000, "999 KiB"), (1_023_900, "0.98 MiB"), (655_360_000, "625 MiB"), (1_310_720_000, "1.22 GiB"),
            (14_483_464_192, "13.5 GiB"), (-15_232, "-14.9 KiB"),
        ]
        for (bytes, text) in cases { #expect(ByteCountText.format(bytes) == text, "\(bytes)") }
        #expect(ByteCountText.format(69_312, signed: true) == "+67.7 KiB")
        #expect(ByteCountText.format(0, signed: true) == "0 bytes")
        #expect(ByteCountText.percent(0.4387) == "+43.9%")
        #expect(ByteCountText.percent(-0.0964) == "-9.6%")
    }
}
