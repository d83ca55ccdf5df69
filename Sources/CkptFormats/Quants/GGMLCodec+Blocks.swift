// Block decoders for the small-block GGML types (docs/formats.md, "Block layouts and dequantization"), one block per call.
//
// Layouts (byte offsets; f16 = LE binary16; blocks of 32 elements unless noted):
//   Q4_0    18 B  d f16 @0 | qs[16] @2
//   Q4_1    20 B  d f16 @0 | m f16 @2 | qs[16] @4
//   Q5_0    22 B  d f16 @0 | qh u32 @2 | qs[16] @6
//   Q5_1    24 B  d f16 @0 | m f16 @2 | qh u32 @4 | qs[16] @8
//   Q8_0    34 B  d f16 @0 | qs i8[32] @2
//   IQ4_NL  18 B  d f16 @0 | qs[16] @2
//   MXFP4   17 B  e E8M0 @0 | qs[16] @1
//   NVFP4   36 B  (64 elements) sc UE4M3[4] @0 | qs[32] @4
// In the 4-bit types, byte j holds element j in its low nibble and element j+16 in its high nibble
// (NVFP4: per 16-element sub-block s, byte 8s+j holds elements 16s+j and 16s+8+j). Q5 types add bit 4
// of element j from bit j of qh. Arithmetic is f32 in the order gguf-py uses.

extension GGMLCodec {
    /// IQ4_NL / IQ4_XS non-linear levels (`kvalues_iq4nl`).
    @inline(__always) static var iq4Levels: SIMD16<Float> {
        SIMD16(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113)
    }

    /// E2M1 values doubled (`kvalues_mxfp4`), shared by MXFP4 and NVFP4.
    @inline(__always) static var e2m1Levels: SIMD16<Float> {
        SIMD16(0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12)
    }

    /// Q4_0: `y[j] = d·((qs[j]&15) − 8)`, `y[j+16] = d·((qs[j]>>4) − 8)`.
    static func decodeQ4_0(_ b: GGMLBlock, _ y: UnsafeMutablePointer<Float>) {
        let d = b.f16(0)
        for j in 0..<16 {
            let q = b.u8(2 + j)
            y[j] = d * Float(Int32(q & 15) - 8)
            y[j + 16] = d * Float(Int32(q >> 4) - 8)
        }
    }

    /// Q4_1: `y[j] = d·(qs[j]&15) + m`, `y[j+16] = d·(qs[j]>>4) + m`.
    static func decodeQ4_1(_ b: GGMLBlock, _ y: UnsafeMutablePointer<Float>) {
        let d = b.f16(0)
        let m = b.f16(2)
        for j in 0..<16 {
            let q = b.u8(4 + j)
            y[j] = d * Float(q & 15) + m
            y[j + 16] = d * Float(q >> 4) + m
        }
    }

    /// Q5_0: 5-bit `q = nibble | (qh bit)<<4`, `y = d·(q − 16)`.
    static func decodeQ5_0(_ b: GGMLBlock, _ y: UnsafeMutablePointer<Float>) {
        let d = b.f16(0)
        let qh = b.u32(2)
        for j in 0..<16 {
            let q = b.u8(6 + j)
            let lo = UInt32(q & 15) | ((qh >> j) & 1) << 4
            let hi = UInt32(q >> 4) | ((qh >> (j + 16)) & 1) << 4
            y[j] = d * Float(Int32(lo) - 16)
            y[j + 16] = d * Float(Int32(hi) - 16)
        }
    }

    /// Q5_1: 5-bit `q = nibble | (qh bit)<<4`, `y = d·q + m`.
    static func decodeQ5_1(_ b: GGMLBlock, _ y: UnsafeMutablePointer<Float>) {
        let d = b.f16(0)
        let m = b.f16(2)
        let qh = b.u32(4)
        for j in 0..<16 {
            let q = b.u8(8 + j)
            let lo = UInt32(q & 15) | ((qh >> j) & 1) << 4
            let hi = UInt32(q >> 4) | ((qh >> (j + 16)) & 1) << 4
            y[j] = d * Float(lo) + m
            y[j + 16] = d * Float(hi) + m
        }
    }

    /// Q8_0: `y[j] = qs[j]·d`.
    static func decodeQ8_0(_ b: GGMLBlock, _ y: UnsafeMutablePointer<Float>) {
        let d = b.f16(0)
        for j in 0..<32 {
            y[j] = Float(b.i8(2 + j)) * d
        }
    }

    /// IQ4_NL: `y[j] = d·K[qs[j]&15]`, `y[j+16] = d·K[qs[j]>>4]`, K = `iq4Levels`.
    static func decodeIQ4_NL(_ b: GGMLBlock, _ y: UnsafeMutablePointer<Float>) {
        let levels = iq4Levels
        let d = b.f16(0)
        for j in 0..<16 {
            let q = b.u8(2 + j)
            y[j] = d * levels[Int(q & 15)]
            y[j + 16] = d * levels[Int(q >> 4)]
        }
    }

    /// MXFP4: `d = E8M0half(e)`, `y[j] = d·F[qs[j]&15]`, `y[j+16] = d·F[qs[j]>>4]`, F = `e2m1Levels`.
    static func decodeMXFP4(_ b: GGMLBlock, _ y: UnsafeMutablePointer<Float>) {
        let levels = e2m1Levels
        let d = e8m0Half(b.u8(0))
        for j in 0..<16 {
            let q = b.u8(1 + j)
            y[j] = d * levels[Int(q & 15)]
            y[j + 16] = d * levels[Int(q >> 4)]
        }
    }

    /// NVFP4 (64 elements): for sub-block s, `ds = UE4M3half(sc[s])`,
    /// `y[16s+j] = ds·F[qs[8s+j]&15]`, `y[16s+8+j] = ds·F[qs[8s+j]>>4]` for j in 0..<8.
    static func decodeNVFP4(_ b: GGMLBlock, _ y: UnsafeMutablePointer<Float>) {
        let levels = e2m1Levels
        for s in 0..<4 {
            let d = ue4m3Half(b.u8(s))
            for j in 0..<8 {
                let q = b.u8(4 + 8 * s + j)
                y[16 * s + j] = d * levels[Int(q & 15)]
                y[16 * s + 8 + j] = d * levels[Int(q >> 4)]
            }
        }
    }

    /// `ggml_e8m0_to_fp32_half`: 2^(e−128); e = 0 and 1 give the subnormals 2^-128 and 2^-127;
    /// e = 255 gives 2^127 (not NaN).
    @inline(__always) static func e8m0Half(_ e: UInt8) -> Float {
        Float(bitPattern: e < 2 ? 0x0020_0000 << UInt32(e) : UInt32(e - 1) << 23)
    }

    /// Unsigned E4M3 scale (bias 7) times 0.5, as gguf-py's `NVFP4.ue4m3_to_fp32`:
    /// 0x00 and 0x7F give 0; bit 7 is ignored otherwise; `E = 0` gives `M·2^-9·0.5`.
    @inline(__always) static func ue4m3Half(_ x: UInt8) -> Float {
        if x == 0 || x == 0x7f { return 0 }
        let e = UInt32(x >> 3) & 15
        let m = UInt32(x & 7)
        return e == 0 ? Float(m) * 0x1p-10 : Float(bitPattern: (e + 119) << 23 | m << 20)
    }
}
