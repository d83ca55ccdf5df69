import CkptStorage

/// Decodes `src`, holding `dst.count` elements of `type`, to f32. Quantized GGML blocks are
/// dequantized; safetensors F32, F16, BF16, F8_E4M3, F8_E5M2 and F64 are converted.
public func decodeFloats(
    _ type: TensorType, _ src: UnsafeRawBufferPointer, into dst: UnsafeMutableBufferPointer<Float>,
    file: String, tensor: String
) throws(FormatError) {
    guard type.byteCount(elements: dst.count) == src.count else {
        throw FormatError(file: file, "\(src.count) bytes do not hold \(dst.count) \(type.name) values", subject: tensor)
    }
    switch type {
    case .ggml(let ggml):
        do {
            try GGMLCodec.dequantize(ggml, src, into: dst)
        } catch {
            throw FormatError(file: file, error.description, subject: tensor)
        }
    case .safetensors(let dtype):
        switch dtype {
        case .f32:
            for i in dst.indices {
                dst[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
        case .f16:
            for i in dst.indices {
                dst[i] = Float(halfBits: UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .bf16:
            for i in dst.indices {
                dst[i] = Float(bfloat16Bits: UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .f8E4M3:
            for i in dst.indices { dst[i] = Float(e4m3Bits: src[i]) }
        case .f8E5M2:
            for i in dst.indices { dst[i] = Float(e5m2Bits: src[i]) }
        case .f64:
            for i in dst.indices {
                dst[i] = Float(Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
            }
        default:
            throw FormatError(file: file, "cannot read \(dtype.rawValue) values as floats", subject: tensor)
        }
    }
}
