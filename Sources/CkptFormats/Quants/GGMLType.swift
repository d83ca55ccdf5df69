/// A GGML tensor element type, as stored in a GGUF tensor-info record (docs/formats.md, "GGML tensor types").
///
/// Raw values are the on-disk ids. Removed ids (4, 5, 31–33, 36–38) and ids ≥ 43 have no case,
/// so `GGMLType(rawValue:)` returns nil for them.
public enum GGMLType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q4_1 = 3
    case q5_0 = 6
    case q5_1 = 7
    case q8_0 = 8
    case q8_1 = 9
    case q2_K = 10
    case q3_K = 11
    case q4_K = 12
    case q5_K = 13
    case q6_K = 14
    case q8_K = 15
    case iq2_xxs = 16
    case iq2_xs = 17
    case iq3_xxs = 18
    case iq1_s = 19
    case iq4_nl = 20
    case iq3_s = 21
    case iq2_s = 22
    case iq4_xs = 23
    case i8 = 24
    case i16 = 25
    case i32 = 26
    case i64 = 27
    case f64 = 28
    case iq1_m = 29
    case bf16 = 30
    case tq1_0 = 34
    case tq2_0 = 35
    case mxfp4 = 39
    case nvfp4 = 40
    case q1_0 = 41
    case q2_0 = 42

    /// gguf-py's name for the type ("F32", "Q4_K", "IQ2_XXS", "BF16").
    public var name: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .q4_0: "Q4_0"
        case .q4_1: "Q4_1"
        case .q5_0: "Q5_0"
        case .q5_1: "Q5_1"
        case .q8_0: "Q8_0"
        case .q8_1: "Q8_1"
        case .q2_K: "Q2_K"
        case .q3_K: "Q3_K"
        case .q4_K: "Q4_K"
        case .q5_K: "Q5_K"
        case .q6_K: "Q6_K"
        case .q8_K: "Q8_K"
        case .iq2_xxs: "IQ2_XXS"
        case .iq2_xs: "IQ2_XS"
        case .iq3_xxs: "IQ3_XXS"
        case .iq1_s: "IQ1_S"
        case .iq4_nl: "IQ4_NL"
        case .iq3_s: "IQ3_S"
        case .iq2_s: "IQ2_S"
        case .iq4_xs: "IQ4_XS"
        case .i8: "I8"
        case .i16: "I16"
        case .i32: "I32"
        case .i64: "I64"
        case .f64: "F64"
        case .iq1_m: "IQ1_M"
        case .bf16: "BF16"
        case .tq1_0: "TQ1_0"
        case .tq2_0: "TQ2_0"
        case .mxfp4: "MXFP4"
        case .nvfp4: "NVFP4"
        case .q1_0: "Q1_0"
        case .q2_0: "Q2_0"
        }
    }

    public var description: String { name }

    /// Elements per block (1 for scalar types).
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16, .f64, .i8, .i16, .i32, .i64: 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1, .iq4_nl, .mxfp4: 32
        case .nvfp4, .q2_0: 64
        case .q1_0: 128
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K, .iq2_xxs, .iq2_xs, .iq3_xxs, .iq1_s, .iq3_s,
            .iq2_s, .iq4_xs, .iq1_m, .tq1_0, .tq2_0:
            256
        }
    }

    /// Bytes per block.
    public var typeSize: Int {
        switch self {
        case .i8: 1
        case .f16, .bf16, .i16: 2
        case .f32, .i32: 4
        case .f64, .i64: 8
        case .mxfp4: 17
        case .q4_0, .iq4_nl, .q1_0, .q2_0: 18
        case .q4_1: 20
        case .q5_0: 22
        case .q5_1: 24
        case .q8_0: 34
        case .q8_1, .nvfp4: 36
        case .iq1_s: 50
        case .tq1_0: 54
        case .iq1_m: 56
        case .iq2_xxs, .tq2_0: 66
        case .iq2_xs: 74
        case .iq2_s: 82
        case .q2_K: 84
        case .iq3_xxs: 98
        case .q3_K, .iq3_s: 110
        case .iq4_xs: 136
        case .q4_K: 144
        case .q5_K: 176
        case .q6_K: 210
        case .q8_K: 292
        }
    }

    /// Whether elements are stored in multi-element blocks.
    public var isQuantized: Bool { blockSize > 1 }

    /// Whether `GGMLCodec.dequantize` decodes this type.
    public var canDequantize: Bool {
        switch self {
        case .f32, .f16, .bf16, .f64, .i8, .i16, .i32, .i64,
            .q4_0, .q4_1, .q5_0, .q5_1, .q8_0,
            .q2_K, .q3_K, .q4_K, .q5_K, .q6_K,
            .iq4_nl, .iq4_xs, .tq1_0, .tq2_0, .mxfp4, .nvfp4:
            true
        case .q8_1, .q8_K, .iq2_xxs, .iq2_xs, .iq3_xxs, .iq1_s, .iq3_s, .iq2_s, .iq1_m, .q1_0, .q2_0:
            false
        }
    }

    /// Whether `GGMLCodec.quantize` encodes this type.
    public var canQuantize: Bool {
        switch self {
        case .f32, .f16, .bf16, .q8_0: true
        default: false
        }
    }

    /// The type with gguf-py name `s` (case-sensitive, e.g. "Q4_K"), or nil.
    public static func named(_ s: String) -> GGMLType? {
        allCases.first { $0.name == s }
    }

    /// Bytes taken by `elements` elements: `(elements / blockSize) * typeSize`.
    /// Nil when `elements` is negative, not a multiple of `blockSize`, or the product overflows.
    public func byteCount(elements: Int) -> Int? {
        guard elements >= 0, elements % blockSize == 0 else { return nil }
        let (bytes, overflow) = (elements / blockSize).multipliedReportingOverflow(by: typeSize)
        return overflow ? nil : bytes
    }
}
