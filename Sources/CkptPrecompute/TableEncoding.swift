import CkptFormats
import CkptModels
import CkptStorage

/// Encodes f32 table rows into the table's storage type.
struct TableEncoding: Sendable {
    let type: TensorType

    /// Bytes for `values`, a whole number of rows.
    func encode(_ values: [Float]) throws(FormatError) -> [UInt8] {
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

    /// The storage type for `requested` given the checkpoint format and the embedding's type: `auto`
    /// keeps the embedding's float type (F32, BF16), and takes F16 for anything else.
    static func resolve(
        _ requested: ConversionOptions.TableType, format: Checkpoint.Format, embedding: TensorType, path: String
    ) throws(FormatError) -> TableStorage {
        let storage: TableStorage =
            switch requested {
            case .auto: embedding.name == "F32" ? .f32 : (embedding.name == "BF16" ? .bf16 : .f16)
            case .f32: .f32
            case .f16: .f16
            case .bf16: .bf16
            case .q8_0: .q8_0
            }
        guard storage.tensorType(in: format) != nil else {
            throw FormatError(file: path, "--table-dtype \(requested.rawValue) is only available for GGUF output")
        }
        return storage
    }
}
