import CkptFormats
import CkptStorage

/// Encodes f32 table rows into the table's storage type in its container: GGUF through the GGML codec
/// (as llama.cpp rounds), safetensors element by element (round to nearest even).
public struct TableEncoding: Sendable {
    public let storage: TableStorage
    public let format: Checkpoint.Format

    public init(storage: TableStorage, format: Checkpoint.Format) {
        self.storage = storage
        self.format = format
    }

    /// Bytes for `values`, a whole number of rows.
    public func encode(_ values: [Float]) throws(FormatError) -> [UInt8] {
        switch (storage, format) {
        case (_, .gguf):
            guard case .ggml(let ggml) = storage.tensorType(in: .gguf), let count = ggml.byteCount(elements: values.count) else {
                throw FormatError(file: "table", "\(values.count) values are not whole \(storage.rawValue) blocks")
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
        case (.f32, .safetensors):
            return Self.elements(values, width: 4) { raw, i, v in
                raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
            }
        case (.f16, .safetensors):
            return Self.elements(values, width: 2) { raw, i, v in
                raw.storeBytes(of: v.halfBits.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
            }
        case (.bf16, .safetensors):
            return Self.elements(values, width: 2) { raw, i, v in
                raw.storeBytes(of: v.bfloat16Bits.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
            }
        case (.q8_0, .safetensors):
            throw FormatError(file: "table", "a table cannot be stored as Q8_0 in safetensors")
        }
    }

    /// `values` stored `width` bytes each by `store(buffer, index, value)`.
    private static func elements(
        _ values: [Float], width: Int, _ store: (UnsafeMutableRawBufferPointer, Int, Float) -> Void
    ) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: width * values.count)
        out.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() { store(raw, i, v) }
        }
        return out
    }
}
