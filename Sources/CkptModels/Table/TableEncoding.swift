import CkptFormats
import CkptStorage

/// Encodes f32 table rows into the table's storage type.
public struct TableEncoding: Sendable {
    public let type: TensorType

    public init(type: TensorType) {
        self.type = type
    }

    /// Bytes for `values`, a whole number of rows.
    public func encode(_ values: [Float]) throws(FormatError) -> [UInt8] {
        switch type {
        case .ggml(let ggml):
            guard let count = ggml.byteCount(elements: values.count) else {
                throw FormatError(file: "table", "\(values.count) values are not whole \(ggml.name) blocks")
            }
            var out = [UInt8](repeating: 0, count: count)
            do {
                try values.withUnsafeBufferPointer { src in
                    try out.withUnsafeMutableBytes { dst in
                        try Result { () throws(QuantError) in try GGMLCodec.quantize(ggml, src, into: dst) }.get()
                    }
                }
            } catch {
                throw FormatError(file: "table", "\(error)")
            }
            return out
        case .safetensors(let dtype):
            let width = dtype.bitWidth / 8
            guard [.f32, .f16, .bf16].contains(dtype) else {
                throw FormatError(file: "table", "cannot store a table as \(dtype.rawValue)")
            }
            var out = [UInt8](repeating: 0, count: width * values.count)
            out.withUnsafeMutableBytes { raw in
                for (i, v) in values.enumerated() {
                    switch dtype {
                    case .f32: raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
                    case .f16: raw.storeBytes(of: v.halfBits.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                    default: raw.storeBytes(of: v.bfloat16Bits.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                    }
                }
            }
            return out
        }
    }
}
