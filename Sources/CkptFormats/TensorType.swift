/// The element type of a tensor in either container format.
public enum TensorType: Sendable, Hashable, CustomStringConvertible {
    case safetensors(SafetensorsDType)
    case ggml(GGMLType)

    /// The name the file format uses ("BF16", "Q4_K").
    public var name: String {
        switch self {
        case .safetensors(let dtype): dtype.rawValue
        case .ggml(let type): type.name
        }
    }

    public var description: String { name }

    /// Bytes taken by `elements` elements, or nil when that is not a whole number of bytes or blocks,
    /// or overflows.
    public func byteCount(elements: Int) -> Int? {
        guard elements >= 0 else { return nil }
        switch self {
        case .safetensors(let dtype):
            let (bits, overflow) = elements.multipliedReportingOverflow(by: dtype.bitWidth)
            guard !overflow, bits % 8 == 0 else { return nil }
            return bits / 8
        case .ggml(let type):
            return type.byteCount(elements: elements)
        }
    }

    /// Whether `decodeFloats` can turn this type into f32.
    public var isFloatDecodable: Bool {
        switch self {
        case .safetensors(let dtype):
            switch dtype {
            case .f32, .f16, .bf16, .f8E4M3, .f8E5M2, .f64: true
            default: false
            }
        case .ggml(let type):
            type.canDequantize
        }
    }
}
