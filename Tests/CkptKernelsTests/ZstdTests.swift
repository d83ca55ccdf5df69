import CkptCompression
import CkptFormats
import CkptTestSupport
import Testing

@Suite struct ZstdTests {
    @Test(arguments: [1, 3, 19])
    func roundTrips(_ level: Int32) throws {
        var generator = SplitMix64(seed: 7)
        // Low-entropy bytes (like the high bytes of bf16 weights) so that compression gains something.
        let source = (0..<100_000).map { _ in UInt8(truncatingIfNeeded: generator.next() % 4) }
        let zstd = try Zstd(level: level)
        let frame = try source.withUnsafeBytes { try zstd.compress($0) }
        #expect(frame.count < source.count / 2)
        var restored = [UInt8](repeating: 0, count: source.count)
        try frame.withUnsafeBytes { f in try restored.withUnsafeMutableBytes { try zstd.decompress(f, into: $0) } }
        #expect(restored == source)
    }

    @Test func corruptFrameIsAnError() throws {
        let zstd = try Zstd()
        var frame = try [UInt8](repeating: 42, count: 1000).withUnsafeBytes { try zstd.compress($0) }
        frame[frame.count / 2] ^= 0xFF
        var out = [UInt8](repeating: 0, count: 1000)
        #expect(throws: Zstd.Failure.self) {
            try frame.withUnsafeBytes { f in try out.withUnsafeMutableBytes { try zstd.decompress(f, into: $0) } }
        }
        var wrongSize = [UInt8](repeating: 0, count: 999)
        let good = try [UInt8](repeating: 42, count: 1000).withUnsafeBytes { try zstd.compress($0) }
        #expect(throws: Zstd.Failure.self) {
            try good.withUnsafeBytes { f in try wrongSize.withUnsafeMutableBytes { try zstd.decompress(f, into: $0) } }
        }
        #expect(Zstd.libraryVersion.hasPrefix("1."))
    }
}
