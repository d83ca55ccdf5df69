// Scalar conversions between Float and the 16- and 8-bit float encodings (docs/formats.md, "Scalar encodings").
// All are done with integer bit manipulation (no Float16, which macOS x86_64 lacks) and match
// numpy / gguf-py / torch bit for bit, NaN payloads included where noted.

extension Float {
    /// Decodes IEEE binary16 bits exactly: zeros, subnormals (`m·2^-24`), normals, ±inf.
    /// A NaN keeps its sign and payload (`mantissa << 13`, not quieted), as numpy does.
    @inlinable
    public init(halfBits h: UInt16) {
        let sign = UInt32(h & 0x8000) << 16
        // Exponent and mantissa moved to their f32 positions: e at bit 23, m at bits 13...22.
        let magnitude = UInt32(h & 0x7fff) << 13
        let exponent = magnitude & 0x0f80_0000
        var bits = magnitude &+ 0x3800_0000  // rebias 15 → 127
        if exponent == 0x0f80_0000 {
            bits = bits &+ 0x3800_0000  // inf / NaN: exponent 31 → 255
        } else if exponent == 0 {
            // Zero or subnormal: read as 2^-14·(1 + m/1024), then subtract 2^-14 (exact).
            bits = (Float(bitPattern: bits &+ 0x0080_0000) - Float(bitPattern: 0x3880_0000)).bitPattern
        }
        self.init(bitPattern: bits | sign)
    }

    /// IEEE binary16 bits, rounded to nearest, ties to even (subnormal results included);
    /// magnitudes that round past 65504 give ±inf. A NaN stays NaN with the top 10 payload bits
    /// (`0x7C00 | (mantissa >> 13)`, or `0x7C01` if those are all zero), exactly as numpy's `astype(float16)`.
    @inlinable
    public var halfBits: UInt16 {
        let u = bitPattern
        let sign = UInt16(truncatingIfNeeded: u >> 16) & 0x8000
        let a = u & 0x7fff_ffff
        let h: UInt32
        if a >= 0x4780_0000 {  // |x| ≥ 65536, inf or NaN
            let payload = (a >> 13) & 0x3ff
            h = a > 0x7f80_0000 ? 0x7c00 | (payload == 0 ? 1 : payload) : 0x7c00
        } else if a >= 0x3880_0000 {  // |x| ≥ 2^-14: rebias 127 → 15 and round the low 13 bits
            h = (a &- 0x3800_0000 &+ 0x0fff &+ ((a >> 13) & 1)) >> 13
        } else {
            // Subnormal or zero: adding 0.5 puts the 2^-24 quantum at the last mantissa bit, so the
            // hardware addition rounds to nearest even; the mantissa is then the f16 result.
            h = (Float(bitPattern: a) + 0.5).bitPattern &- 0x3f00_0000
        }
        return sign | UInt16(truncatingIfNeeded: h)
    }

    /// Decodes bfloat16 bits: the top half of an f32.
    @inlinable
    public init(bfloat16Bits b: UInt16) {
        self.init(bitPattern: UInt32(b) << 16)
    }

    /// bfloat16 bits by the ggml / gguf-py rule: NaN → `(u >> 16) | 0x40` (quiet, payload kept),
    /// otherwise `(u + 0x7FFF + ((u >> 16) & 1)) >> 16` (round to nearest even; overflow gives ±inf).
    @inlinable
    public var bfloat16Bits: UInt16 {
        let u = bitPattern
        if u & 0x7fff_ffff > 0x7f80_0000 {
            return UInt16(truncatingIfNeeded: u >> 16) | 0x40
        }
        return UInt16(truncatingIfNeeded: (u &+ 0x7fff &+ ((u >> 16) & 1)) >> 16)
    }

    /// Decodes torch `float8_e4m3fn` bits `S.EEEE.MMM` (bias 7): no infinities, `S.1111.111` is NaN,
    /// largest finite 448, subnormals `M·2^-9`.
    @inlinable
    public init(e4m3Bits b: UInt8) {
        let sign = UInt32(b & 0x80) << 24
        let magnitude = UInt32(b & 0x7f)
        let bits: UInt32
        if magnitude == 0x7f {
            bits = 0x7fc0_0000
        } else if magnitude >= 0x08 {
            bits = (magnitude << 20) &+ (120 << 23)  // E at bit 23, M at bits 20...22; rebias 7 → 127
        } else {
            bits = (Float(magnitude) * 0x1p-9).bitPattern
        }
        self.init(bitPattern: bits | sign)
    }

    /// Decodes torch `float8_e5m2` bits `S.EEEEE.MM` (IEEE-like, bias 15, inf and NaN):
    /// exactly the top byte of a binary16.
    @inlinable
    public init(e5m2Bits b: UInt8) {
        self.init(halfBits: UInt16(b) << 8)
    }
}
