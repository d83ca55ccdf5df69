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

@Suite struct ByteShuffleTests {
    @Test(arguments: [1, 2, 4])
    func shuffleGroupsBytePlanesAndRoundTrips(_ planes: Int) {
        let source = (0..<(planes * 37)).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        var shuffled = [UInt8](repeating: 0, count: source.count)
        var restored = shuffled
        source.withUnsafeBytes { s in shuffled.withUnsafeMutableBytes { ByteShuffle.shuffle(s, planes: planes, into: $0) } }
        // Plane b holds byte b of each element, in element order.
        for b in 0..<planes {
            #expect(Array(shuffled[(b * 37)..<((b + 1) * 37)]) == stride(from: b, to: source.count, by: planes).map { source[$0] })
        }
        shuffled.withUnsafeBytes { s in restored.withUnsafeMutableBytes { ByteShuffle.unshuffle(s, planes: planes, into: $0) } }
        #expect(restored == source)
    }
}
