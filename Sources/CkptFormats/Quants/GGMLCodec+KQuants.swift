// Block decoders for the 256-element GGML types (docs/formats.md, "Block layouts and dequantization"), one block per call.
//
// Layouts (byte offsets; f16 = LE binary16):
//   Q2_K    84 B  scales[16] @0 | qs[64] @16 | d f16 @80 | dmin f16 @82
//   Q3_K   110 B  hmask[32] @0 | qs[64] @32 | scales[12] @96 | d f16 @108
//   Q4_K   144 B  d f16 @0 | dmin f16 @2 | scales[12] @4 | qs[128] @16
//   Q5_K   176 B  d f16 @0 | dmin f16 @2 | scales[12] @4 | qh[32] @16 | qs[128] @48
//   Q6_K   210 B  ql[128] @0 | qh[64] @128 | scales i8[16] @192 | d f16 @208
//   IQ4_XS 136 B  d f16 @0 | scales_h u16 @2 | scales_l[4] @4 | qs[128] @8
//   TQ1_0   54 B  qs[48] @0 | qh[4] @48 | d f16 @52
//   TQ2_0   66 B  qs[64] @0 | d f16 @64
// "h" below is a 128-element half of the block. Arithmetic is f32 in the order gguf-py uses.

extension GGMLCodec {
    /// Q2_K: for h, j in 0..<4, k in 0..<2 with `sc = scales[8h+2j+k]`, `dl = d·(sc&15)`, `ml = dmin·(sc>>4)`:
    /// `y[128h+32j+16k+l] = dl·((qs[32h+16k+l] >> 2j)&3) − ml`.
    static func decodeQ2_K(_ b: GGMLBlock, _ y: UnsafeMutablePointer<Float>) {
        let d = b.f16(80)
        let dmin = b.f16(82)
        for h in 0..<2 {
            for j in 0..<4 {
                for k in 0..<2 {
                    let sc = b.u8(8 * h + 2 * j + k)
                    let dl = d * Float(sc & 15)
                    let ml = dmin * Float(sc >> 4)
                    let out = y + 128 * h + 32 * j + 16 * k
                    for l in 0..<16 {
                        let q = (b.u8(16 + 32 * h + 16 * k + l) >> (2 * j)) & 3
                        out[l] = dl * Float(q) - ml
                    }
                }
            }
        }
    }

    /// Q3_K: six-bit scales `sc[i] = (lo | hi<<4) − 32` with `lo = i<8 ? s[i]&15 : s[i−8]>>4`,
    /// `hi = (s[8 + i%4] >> 2(i/4))&3`; for h, j, k as in Q2_K, `dl = d·sc[8h+2j+k]`:
    /// `y[128h+32j+16k+l] = dl·(((qs[32h+16k+l] >> 2j)&3) − (hmask[16k+l] bit (4h+j) ? 0 : 4))`.
    static func decodeQ3_K(_ b: GGMLBlock, _ y: UnsafeMutablePointer<Float>) {
        let d = b.f16(108)
        for h in 0..<2 {
            for j in 0..<4 {
                let shift = 4 * h + j
                for k in 0..<2 {
                    let i = 8 * h + 2 * j + k
                    let lo = i < 8 ? b.u8(96 + i) & 15 : b.u8(96 + i - 8) >> 4
                    let hi = (b.u8(104 + i % 4) >> (2 * (i / 4))) & 3
                    let dl = d * Float(Int32(lo | hi << 4) - 32)
                    let out = y + 128 * h + 32 * j + 16 * k
                    for l in 0..<16 {
                        let q = Int32((b.u8(32 + 32 * h + 16 * k + l) >> (2 * j)) & 3)
                        let high = Int32((b.u8(16 * k + l) >> shift) & 1)
                        out[l] = dl * Float(q - 4 + 4 * high)
                    }
                }
            }
        }
    }

    /// `get_scale_min_k4`: the six-bit scale and min of sub-block `j` (0..<8) from the 12 bytes at `offset`.
    @inline(__always) static func scaleMin(_ b: GGMLBlock, _ offset: Int, _ j: Int) -> (Float, Float) {
        if j < 4 {
            return (Float(b.u8(offset + j) & 63), Float(b.u8(offset + j + 4) & 63))
        }
        let sc = (b.u8(offset + j + 4) & 15) | (b.u8(offset + j - 4) >> 6) << 4
        let mn = (b.u8(offset + j + 4) >> 4) | (b.u8(offset + j) >> 6) << 4
        return (Float(sc), Float(mn))
    }

    /// Q4_K: for chunk c in 0..<4, `(sc, m) = scaleMin(2c + t)`; element `64c + 32t + l` is
    /// `(d·sc)·nibble_t(qs[32c+l]) − dmin·m` (t = 0 low nibble, t = 1 high nibble).
    static func decodeQ4_K(_ b: GGMLBlock, _ y: UnsafeMutablePointer<Float>) {
        let d = b.f16(0)
        let dmin = b.f16(2)
        for c in 0..<4 {
            let (sc1, m1) = scaleMin(b, 4, 2 * c)
            let (sc2, m2) = scaleMin(b, 4, 2 * c + 1)
            let d1 = d * sc1
            let n1 = dmin * m1
            let d2 = d * sc2
            let n2 = dmin * m2
            let out = y + 64 * c
            for l in 0..<32 {
                let q = b.u8(16 + 32 * c + l)
                out[l] = d1 * Float(q & 15) - n1
                out[32 + l] = d2 * Float(q >> 4) - n2
            }
        }
    }

    /// Q5_K: as Q4_K with a fifth bit: element `64c + 32t + l` adds `16·((qh[l] >> (2c+t))&1)`.
    static func decodeQ5_K(_ b: GGMLBlock, _ y: UnsafeMutablePointer<Float>) {
        let d = b.f16(0)
        let dmin = b.f16(2)
        for c in 0..<4 {
            let (sc1, m1) = scaleMin(b, 4, 2 * c)
            let (sc2, m2) = scaleMin(b, 4, 2 * c + 1)
            let d1 = d * sc1
            let n1 = dmin * m1
            let d2 = d * sc2
            let n2 = dmin * m2
            let out = y + 64 * c
            for l in 0..<32 {
                let q = b.u8(48 + 32 * c + l)
                let qh = b.u8(16 + l)
                out[l] = d1 * Float((q & 15) | ((qh >> (2 * c)) & 1) << 4) - n1
                out[32 + l] = d2 * Float((q >> 4) | ((qh >> (2 * c + 1)) & 1) << 4) - n2
            }
        }
    }

    /// Q6_K: for h, with `L = ql[64h...]`, `H = qh[32h...]`, `S = scales[8h...]`, l in 0..<32, `sub = l/16`,
    /// element `128h + 32s + l` is `(d·S[sub+2s])·(q − 32)` with the six-bit q from
    /// s=0: `L[l]&15`, s=1: `L[l+32]&15`, s=2: `L[l]>>4`, s=3: `L[l+32]>>4`, high bits `(H[l] >> 2s)&3`.
    static func decodeQ6_K(_ b: GGMLBlock, _ y: UnsafeMutablePointer<Float>) {
        let d = b.f16(208)
        for h in 0..<2 {
            let out = y + 128 * h
            for l in 0..<32 {
                let sub = l / 16
                let lo1 = b.u8(64 * h + l)
                let lo2 = b.u8(64 * h + 32 + l)
                let hi = b.u8(128 + 32 * h + l)
                let q1 = Int32((lo1 & 15) | (hi & 3) << 4) - 32
                let q2 = Int32((lo2 & 15) | ((hi >> 2) & 3) << 4) - 32
                let q3 = Int32((lo1 >> 4) | ((hi >> 4) & 3) << 4) - 32
                let q4 = Int32((lo2 >> 4) | ((hi >> 6) & 3) << 4) - 32
                out[l] = d * Float(b.i8(192 + 8 * h + sub)) * Float(q1)
                out[32 + l] = d * Float(b.i8(192 + 8 * h + sub + 2)) * Float(q2)
                out[64 + l] = d * Float(b.i8(192 + 8 * h + sub + 4)) * Float(q3)
                out[96 + l] = d * Float(b.i8(192 + 8 * h + sub + 6)) * Float(q4)
            }
        }
    }

    /// IQ4_XS: for ib in 0..<8, `ls = ((sl[ib/2] >> 4(ib%2))&15) | ((sh >> 2ib)&3)<<4`, `dl = d·(ls − 32)`;
    /// `y[32ib+j] = dl·K[qs[16ib+j]&15]`, `y[32ib+16+j] = dl·K[qs[16ib+j]>>4]`, K = `iq4Levels`.
    static func decodeIQ4_XS(_ b: GGMLBlock, _ y: UnsafeMutablePointer<Float>) {
        let levels = iq4Levels
        let d = b.f16(0)
        let sh = b.u16(2)
        for ib in 0..<8 {
            let low = (b.u8(4 + ib / 2) >> (4 * (ib % 2))) & 15
            let high = UInt8(truncatingIfNeeded: sh >> (2 * ib)) & 3
            let dl = d * Float(Int32(low | high << 4) - 32)
            let out = y + 32 * ib
            for j in 0..<16 {
                let q = b.u8(8 + 16 * ib + j)
                out[j] = dl * levels[Int(q & 15)]
                out[16 + j] = dl * levels[Int(q >> 4)]
            }
        }
    }

    /// TQ1_0: base-3 packed trits; trit n of byte q is `t = ((q·3^n mod 256)·3) >> 8`, value `(t − 1)·d`.
    /// `y[32n+m]` from qs[m] (n < 5), `y[160+16n+m]` from qs[32+m] (n < 5), `y[240+4n+j]` from qh[j] (n < 4).
    static func decodeTQ1_0(_ b: GGMLBlock, _ y: UnsafeMutablePointer<Float>) {
        let d = b.f16(52)
        @inline(__always) func trit(_ q: UInt8, _ n: Int) -> Float {
            let powers: SIMD8<UInt8> = [1, 3, 9, 27, 81, 0, 0, 0]
            let t = (UInt16(q &* powers[n]) &* 3) >> 8
            return Float(Int32(t) - 1)
        }
        for n in 0..<5 {
            for m in 0..<32 { y[32 * n + m] = d * trit(b.u8(m), n) }
            for m in 0..<16 { y[160 + 16 * n + m] = d * trit(b.u8(32 + m), n) }
        }
        for n in 0..<4 {
            for j in 0..<4 { y[240 + 4 * n + j] = d * trit(b.u8(48 + j), n) }
        }
    }

    /// TQ2_0: for half c, l in 0..<4, m in 0..<32: `y[128c+32l+m] = (((qs[32c+m] >> 2l)&3) − 1)·d`.
    static func decodeTQ2_0(_ b: GGMLBlock, _ y: UnsafeMutablePointer<Float>) {
        let d = b.f16(64)
        for c in 0..<2 {
            for l in 0..<4 {
                let out = y + 128 * c + 32 * l
                for m in 0..<32 {
                    let q = (b.u8(32 * c + m) >> (2 * l)) & 3
                    out[m] = d * Float(Int32(q) - 1)
                }
            }
        }
    }
}
