/// Byte-plane shuffling: `n` elements of `planes` bytes each are regrouped so that byte `b` of every
/// element comes together (`out[b·n + i] = in[i·planes + b]`). Sign/exponent bytes of floats then sit
/// side by side, which zstd compresses far better than interleaved mantissas.
public enum ByteShuffle {
    /// Regroups `source` into byte planes; `source.count` must be a multiple of `planes`.
    public static func shuffle(_ source: UnsafeRawBufferPointer, planes: Int, into destination: UnsafeMutableRawBufferPointer) {
        precondition(planes > 0 && source.count % planes == 0 && destination.count == source.count)
        let n = source.count / planes
        for b in 0..<planes {
            for i in 0..<n { destination[b * n + i] = source[i * planes + b] }
        }
    }

    /// Undoes `shuffle`.
    public static func unshuffle(_ source: UnsafeRawBufferPointer, planes: Int, into destination: UnsafeMutableRawBufferPointer) {
        precondition(planes > 0 && source.count % planes == 0 && destination.count == source.count)
        let n = source.count / planes
        for b in 0..<planes {
            for i in 0..<n { destination[i * planes + b] = source[b * n + i] }
        }
    }
}
