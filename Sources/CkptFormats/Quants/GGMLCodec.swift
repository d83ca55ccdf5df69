/// Why a GGML conversion was refused.
public enum QuantError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The codec has no implementation of `operation` ("dequantizing", "quantizing") for the type.
    case unsupported(GGMLType, operation: String)
    /// The element count is not a whole number of blocks.
    case notBlockMultiple(elements: Int, type: GGMLType)
    /// The byte buffer does not hold exactly the encoded size of the element count.
    case sizeMismatch(expected: Int, found: Int)

    public var description: String {
        switch self {
        case .unsupported(let type, let operation):
            "\(operation) \(type.name) is not supported"
        case .notBlockMultiple(let elements, let type):
            "\(elements) elements is not a multiple of the \(type.name) block size \(type.blockSize)"
        case .sizeMismatch(let expected, let found):
            "expected \(expected) bytes of encoded data, found \(found)"
        }
    }
}

/// Conversions between GGML tensor encodings and f32, bit-exact with gguf-py 0.19
/// (`gguf.quants.dequantize` / `gguf.quants.quantize`; docs/formats.md, "Scalar encodings", "Block layouts and dequantization").
///
/// Both directions take flat element runs along `ne0`: element `i` of `dst`/`src` is element `i % blck`
/// of block `i / blck`, and the blocks are stored back to back.
public enum GGMLCodec {
    /// Decodes `dst.count` elements of `type` from `src`; `src.count` must equal
    /// `type.byteCount(elements: dst.count)`.
    ///
    /// Supported: F32, F16, BF16, F64, I8, I16, I32, I64, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K,
    /// Q5_K, Q6_K, IQ4_NL, IQ4_XS, TQ1_0, TQ2_0, MXFP4, NVFP4 (see `GGMLType.canDequantize`).
    /// F64 and the integer types are rounded to the nearest Float.
    public static func dequantize(
        _ type: GGMLType, _ src: UnsafeRawBufferPointer, into dst: UnsafeMutableBufferPointer<Float>
    ) throws(QuantError) {
        guard type.canDequantize else { throw .unsupported(type, operation: "dequantizing") }
        try checkSizes(type, elements: dst.count, bytes: src.count)
        guard let base = src.baseAddress, let y = dst.baseAddress else { return }
        let n = dst.count
        let x = GGMLBlock(base)
        switch type {
        case .f32: for i in 0..<n { y[i] = Float(bitPattern: x.u32(4 * i)) }
        case .f16: for i in 0..<n { y[i] = Float(halfBits: x.u16(2 * i)) }
        case .bf16: for i in 0..<n { y[i] = Float(bfloat16Bits: x.u16(2 * i)) }
        case .f64: for i in 0..<n { y[i] = Float(Double(bitPattern: x.u64(8 * i))) }
        case .i8: for i in 0..<n { y[i] = Float(Int8(bitPattern: x.u8(i))) }
        case .i16: for i in 0..<n { y[i] = Float(Int16(bitPattern: x.u16(2 * i))) }
        case .i32: for i in 0..<n { y[i] = Float(Int32(bitPattern: x.u32(4 * i))) }
        case .i64: for i in 0..<n { y[i] = Float(Int64(bitPattern: x.u64(8 * i))) }
        case .q4_0: forEachBlock(type, base, y, n, decodeQ4_0)
        case .q4_1: forEachBlock(type, base, y, n, decodeQ4_1)
        case .q5_0: forEachBlock(type, base, y, n, decodeQ5_0)
        case .q5_1: forEachBlock(type, base, y, n, decodeQ5_1)
        case .q8_0: forEachBlock(type, base, y, n, decodeQ8_0)
        case .iq4_nl: forEachBlock(type, base, y, n, decodeIQ4_NL)
        case .mxfp4: forEachBlock(type, base, y, n, decodeMXFP4)
        case .nvfp4: forEachBlock(type, base, y, n, decodeNVFP4)
        case .q2_K: forEachBlock(type, base, y, n, decodeQ2_K)
        case .q3_K: forEachBlock(type, base, y, n, decodeQ3_K)
        case .q4_K: forEachBlock(type, base, y, n, decodeQ4_K)
        case .q5_K: forEachBlock(type, base, y, n, decodeQ5_K)
        case .q6_K: forEachBlock(type, base, y, n, decodeQ6_K)
        case .iq4_xs: forEachBlock(type, base, y, n, decodeIQ4_XS)
        case .tq1_0: forEachBlock(type, base, y, n, decodeTQ1_0)
        case .tq2_0: forEachBlock(type, base, y, n, decodeTQ2_0)
        case .q8_1, .q8_K, .iq2_xxs, .iq2_xs, .iq3_xxs, .iq1_s, .iq3_s, .iq2_s, .iq1_m, .q1_0, .q2_0:
            throw .unsupported(type, operation: "dequantizing")
        }
    }

    /// Encodes `src` as `type` into `dst`; `dst.count` must equal `type.byteCount(elements: src.count)`.
    ///
    /// Supported: F32, F16 (round to nearest even), BF16 (ggml rule) and Q8_0 (the reference quantizer),
    /// see `GGMLType.canQuantize`. All are little-endian.
    public static func quantize(
        _ type: GGMLType, _ src: UnsafeBufferPointer<Float>, into dst: UnsafeMutableRawBufferPointer
    ) throws(QuantError) {
        guard type.canQuantize else { throw .unsupported(type, operation: "quantizing") }
        try checkSizes(type, elements: src.count, bytes: dst.count)
        guard let x = src.baseAddress, let out = dst.baseAddress else { return }
        let n = src.count
        switch type {
        case .f32:
            for i in 0..<n { out.storeBytes(of: x[i].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
        case .f16:
            for i in 0..<n { out.storeBytes(of: x[i].halfBits.littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
        case .bf16:
            for i in 0..<n { out.storeBytes(of: x[i].bfloat16Bits.littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
        case .q8_0:
            for b in 0..<n / 32 { encodeQ8_0(x + 32 * b, out + 34 * b) }
        default:
            throw .unsupported(type, operation: "quantizing")
        }
    }

    /// Throws unless `elements` is a whole number of blocks whose encoding is exactly `bytes` long.
    static func checkSizes(_ type: GGMLType, elements: Int, bytes: Int) throws(QuantError) {
        guard elements % type.blockSize == 0 else {
            throw .notBlockMultiple(elements: elements, type: type)
        }
        let expected = type.byteCount(elements: elements) ?? .max
        guard expected == bytes else { throw .sizeMismatch(expected: expected, found: bytes) }
    }

    /// Calls `decode(block, output)` for each of the `count / blockSize` blocks of `type` at `src`.
    @inline(__always)
    static func forEachBlock(
        _ type: GGMLType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ count: Int,
        _ decode: (GGMLBlock, UnsafeMutablePointer<Float>) -> Void
    ) {
        let blockSize = type.blockSize
        let typeSize = type.typeSize
        for b in 0..<count / blockSize {
            decode(GGMLBlock(src + b * typeSize), dst + b * blockSize)
        }
    }

    /// Q8_0 reference quantizer (`quantize_row_q8_0_ref`, gguf-py `Q8_0.quantize_blocks`):
    /// `amax = max|x|`, `d = amax/127`, `id = d ≠ 0 ? 1/d : 0`, `q = roundf(x·id)` (half away from zero),
    /// then `d` stored as f16 @0 and `q` as i8 @2...33. The q's use the f32 `d`.
    /// Non-finite inputs have no reference result (gguf-py's is platform-dependent); here a NaN product
    /// encodes as 0.
    static func encodeQ8_0(_ x: UnsafePointer<Float>, _ out: UnsafeMutableRawPointer) {
        var amax: Float = 0
        for j in 0..<32 where x[j].magnitude > amax { amax = x[j].magnitude }
        let d = amax / 127
        let id: Float = d == 0 ? 0 : 1 / d
        out.storeBytes(of: d.halfBits.littleEndian, toByteOffset: 0, as: UInt16.self)
        for j in 0..<32 {
            let q = (x[j] * id).rounded(.toNearestOrAwayFromZero)
            let clamped: Int8 = q.magnitude <= 127 ? Int8(q) : q > 0 ? 127 : q < 0 ? -127 : 0
            out.storeBytes(of: clamped, toByteOffset: 2 + j, as: Int8.self)
        }
    }
}

/// The bytes of one encoded block, read little-endian at unaligned byte offsets.
struct GGMLBlock {
    let base: UnsafeRawPointer

    init(_ base: UnsafeRawPointer) { self.base = base }

    @inline(__always) func u8(_ offset: Int) -> UInt8 {
        base.loadUnaligned(fromByteOffset: offset, as: UInt8.self)
    }

    @inline(__always) func i8(_ offset: Int) -> Int8 {
        base.loadUnaligned(fromByteOffset: offset, as: Int8.self)
    }

    @inline(__always) func u16(_ offset: Int) -> UInt16 {
        UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always) func u32(_ offset: Int) -> UInt32 {
        UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always) func u64(_ offset: Int) -> UInt64 {
        UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// The little-endian binary16 at `offset`, as f32.
    @inline(__always) func f16(_ offset: Int) -> Float {
        Float(halfBits: u16(offset))
    }
}
