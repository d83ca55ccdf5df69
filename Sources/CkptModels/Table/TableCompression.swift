import CkptCompression

/// How a compressed table is framed (FORMAT.md, "Compression"): whole rows per zstd frame, so a
/// runtime fetches one token's row by decompressing one frame; bytes optionally shuffled into planes.
public struct TableCompression: Sendable {
    /// zstd level (1–19, or negative for speed).
    public let level: Int32
    /// Rows in each frame (the last frame may hold fewer).
    public let frameRows: Int
    /// Bytes per element regrouped into planes before compression; 1 means no shuffle.
    public let shufflePlanes: Int
    /// Bytes of one stored row.
    public let rowBytes: Int

    /// Frames of a power-of-two number of rows, the fewest that hold `targetFrameBytes` uncompressed
    /// but no more than a chunk (so chunks, and with them the computed values, are the same as
    /// without compression); shuffled by element width for float types. Q8_0 blocks mix scales and
    /// codes, so they are not shuffled.
    public init(level: Int32, storage: TableStorage, rowBytes: Int, chunkRows: Int, targetFrameBytes: Int = 16 << 10) {
        self.level = level
        self.rowBytes = rowBytes
        var rows = 1
        while rows * rowBytes < targetFrameBytes, rows * 2 <= chunkRows { rows *= 2 }
        frameRows = rows
        shufflePlanes = storage.shufflePlanes
    }

    /// The compressed frames of `encoded`, `rows` whole rows of the table type.
    public func frames(of encoded: [UInt8], rows: Int) throws -> [[UInt8]] {
        precondition(encoded.count == rows * rowBytes)
        let zstd = try Zstd(level: level)
        var planes = [UInt8](repeating: 0, count: min(encoded.count, frameRows * rowBytes))
        return try encoded.withUnsafeBytes { all in
            try stride(from: 0, to: rows, by: frameRows).map { first in
                let frame = UnsafeRawBufferPointer(rebasing: all[(first * rowBytes)..<(min(rows, first + frameRows) * rowBytes)])
                guard shufflePlanes > 1 else { return try zstd.compress(frame) }
                return try planes.withUnsafeMutableBytes { buffer in
                    let shuffled = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<frame.count])
                    ByteShuffle.shuffle(frame, planes: shufflePlanes, into: shuffled)
                    return try zstd.compress(UnsafeRawBufferPointer(shuffled))
                }
            }
        }
    }
}
