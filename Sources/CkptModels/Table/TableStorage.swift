import CkptFormats

/// How a precomputed table stores its values. Every fact that depends on the storage type lives here,
/// in exhaustive switches: the type in each container, the zstd byte shuffle, the rounding a stored
/// value may carry, and what the rounding typically costs a model.
public enum TableStorage: String, CaseIterable, Sendable {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
    /// GGUF only: blocks of 32 values, an f16 scale and 32 signed bytes.
    case q8_0 = "Q8_0"

    /// The tensor type that holds it in `format`, or nil where the container has none (Q8_0 in safetensors).
    public func tensorType(in format: Checkpoint.Format) -> TensorType? {
        switch (self, format) {
        case (.f32, .gguf): .ggml(.f32)
        case (.f16, .gguf): .ggml(.f16)
        case (.bf16, .gguf): .ggml(.bf16)
        case (.q8_0, .gguf): .ggml(.q8_0)
        case (.f32, .safetensors): .safetensors(.f32)
        case (.f16, .safetensors): .safetensors(.f16)
        case (.bf16, .safetensors): .safetensors(.bf16)
        case (.q8_0, .safetensors): nil
        }
    }

    /// Byte planes a zstd frame is regrouped into before compression: the element width for float
    /// types; Q8_0 blocks mix scales and codes, so they stay whole (1).
    public var shufflePlanes: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .q8_0: 1
        }
    }

    /// The largest error storing `value` adds: half an f16/bf16 ulp (with f16's subnormal floor); for
    /// Q8_0 half a step of its block (`blockScale` is the block's largest magnitude) plus the f16
    /// rounding of the step times the largest code, 0.5 + 127·2⁻¹¹ steps, with 1% to spare.
    public func roundingBound(value: Double, blockScale: Double) -> Double {
        switch self {
        case .f32: 0
        case .f16: abs(value) * 0x1p-11 + 0x1p-24
        case .bf16: abs(value) * 0x1p-8
        case .q8_0: blockScale / 127 * (0.5 + 127 * 0x1p-11) * 1.01
        }
    }

    /// The mean KL divergence from the original this rounding typically costs (llama.cpp measured
    /// BF16 against FP16 weights at 2.5e-5 on Llama-3-8B); `validate` notes a model above it.
    public var typicalMeanKLD: Double {
        switch self {
        case .f32: 1e-6
        case .f16: 5e-5
        case .bf16: 1e-4
        case .q8_0: 1e-3
        }
    }
}
