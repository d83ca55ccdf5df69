/// One architecture-neutral description of a decoder-only transformer: everything the reference
/// engine and the first-layer precompute need to know, whichever file format it came from
/// (docs/architectures.md, "The model description").
public struct ModelDescription: Sendable, Equatable {
    /// The normalization used by the blocks and the final norm.
    public enum Norm: Sendable, Equatable {
        /// `x / sqrt(mean(x²) + eps) · (w + offset)`; offset 1 for Gemma's `(1 + w)` in HF files.
        case rms(eps: Float, weightOffset: Float)
        /// `(x − mean) / sqrt(var + eps) · w (+ b)`.
        case layer(eps: Float, bias: Bool)
    }

    /// How the attention and feed-forward sublayers combine.
    public enum Block: Sendable, Equatable {
        /// `h = x + attn(n1(x)); out = h + ffn(n2(h))`.
        case serial
        /// `out = x + attn(n1(x)) + ffn(n2(x))`, with `n2 == n1` when the norm is shared.
        case parallel(sharedNorm: Bool)
    }

    /// Where norms sit in a serial block.
    public enum NormPlacement: Sendable, Equatable {
        /// Norm before each sublayer (Llama).
        case pre
        /// Norm before and after each sublayer (Gemma 2).
        case sandwich
        /// Norm only after each sublayer's output (OLMo 2).
        case post
    }

    /// How Q, K and V projections are stored.
    public enum QKVLayout: Sendable, Equatable {
        /// Three tensors.
        case separate
        /// One tensor whose rows are `[Q | K | V]`.
        case fused
        /// GPT-NeoX: per head `[q_h | k_h | v_h]`.
        case fusedPerHead
        /// Falcon new decoder architecture: per KV group `[q_{g,0..r-1} | k_g | v_g]`.
        case fusedGrouped
    }

    /// Normalization of q and k before RoPE.
    public struct QKNorm: Sendable, Equatable {
        public enum Scope: Sendable, Equatable {
            /// One weight of `headDim`, shared by every head (Qwen3, Gemma 3).
            case sharedAcrossHeads
            /// A weight per head, `[heads, headDim]` (Cohere, StableLM).
            case perHead
            /// One norm over the whole projection (OLMo 2).
            case fullWidth
            /// Each head normalized with no weight (Llama 4's L2 norm: an RMSNorm of ones).
            case unweighted
        }

        public var scope: Scope
        public var norm: Norm
        /// The layers that apply it, nil for every layer (Llama 4: its RoPE layers).
        public var layers: Set<Int>?

        public init(scope: Scope, norm: Norm, layers: Set<Int>? = nil) {
            self.scope = scope
            self.norm = norm
            self.layers = layers
        }

        /// A LayerNorm without bias, one weight per head (StableLM, Cohere).
        static func perHeadLayerNorm(eps: Float) -> QKNorm {
            QKNorm(scope: .perHead, norm: .layer(eps: eps, bias: false))
        }
    }

    /// Rotary position embedding, applied at run time to q and k.
    public struct Rope: Sendable, Equatable {
        public enum Style: String, Sendable, Equatable {
            /// Rotate-half: pair `(j, j + R/2)`.
            case neox
            /// GPT-J / ggml NORM: pair `(2j, 2j + 1)`.
            case interleaved
        }

        public enum Scaling: Sendable, Equatable {
            case none
            /// Positions divided by `factor`.
            case linear(factor: Double)
            /// Llama 3's per-frequency rescaling.
            case llama3(factor: Double, lowFrequencyFactor: Double, highFrequencyFactor: Double, originalContext: Double)
            /// Per-pair divisors of the frequencies, as GGUF's `rope_freqs.weight` stores them.
            case frequencyFactors([Float])
            /// YaRN: frequencies blended between interpolated and original by wavelength, cos/sin scaled.
            case yarn(YaRN)
            /// LongRoPE (Phi-3.5, Phi-4-mini): per-pair divisors, short or long by sequence length, cos/sin scaled.
            case longRope(LongRoPE)
            /// Dynamic NTK: the base grows with the sequence length once it exceeds `originalContext`.
            case dynamic(factor: Double, originalContext: Double)
        }

        /// YaRN's parameters, as transformers reads them (docs/architectures.md, "RoPE scaling").
        public struct YaRN: Sendable, Equatable {
            public var factor: Double
            public var originalContext: Double
            public var betaFast: Double
            public var betaSlow: Double
            /// The multiplier of cos and sin (transformers' `attention_factor`, derived from `mscale` when absent).
            public var attentionFactor: Double
            /// Whether the correction range is rounded to whole pairs (gpt-oss sets false).
            public var truncate: Bool

            public init(
                factor: Double, originalContext: Double, betaFast: Double, betaSlow: Double, attentionFactor: Double, truncate: Bool
            ) {
                self.factor = factor
                self.originalContext = originalContext
                self.betaFast = betaFast
                self.betaSlow = betaSlow
                self.attentionFactor = attentionFactor
                self.truncate = truncate
            }
        }

        /// LongRoPE's parameters: `long` divisors once a sequence is longer than `originalContext`.
        public struct LongRoPE: Sendable, Equatable {
            public var short: [Double]
            public var long: [Double]
            public var originalContext: Double
            /// The multiplier of cos and sin.
            public var attentionFactor: Double

            public init(short: [Double], long: [Double], originalContext: Double, attentionFactor: Double) {
                self.short = short
                self.long = long
                self.originalContext = originalContext
                self.attentionFactor = attentionFactor
            }
        }

        public var style: Style
        /// Rotated dimensions per head (`R ≤ headDim`); the rest pass through.
        public var dimensions: Int
        public var theta: Double
        public var scaling: Scaling

        public init(style: Style, dimensions: Int, theta: Double, scaling: Scaling = .none) {
            self.style = style
            self.dimensions = dimensions
            self.theta = theta
            self.scaling = scaling
        }
    }

    public enum Activation: String, Sendable, Equatable {
        case silu
        /// `0.5·x·(1 + erf(x/√2))`.
        case geluExact
        /// `0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))`.
        case geluTanh
    }

    /// The feed-forward network's form.
    public enum FeedForward: Sendable, Equatable {
        /// `down(act(gate·x) ⊙ up·x)`; `fusedGateUp` when gate and up are one `[gate | up]` tensor.
        case gated(fusedGateUp: Bool)
        /// `down(act(up·x))`.
        case plain
    }

    /// Which checkpoint format the tensor names and layouts follow.
    public enum TensorNaming: String, Sendable, Equatable {
        case huggingFace
        case gguf
    }

    /// The family, by the config.json `model_type` its architecture (`ArchitectureRegistry`) knows it by.
    public var family: String
    public var naming: TensorNaming
    public var hiddenSize: Int
    public var layerCount: Int
    public var vocabSize: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDim: Int
    public var feedForwardSize: Int
    public var norm: Norm
    public var block: Block
    public var normPlacement: NormPlacement
    public var qkvLayout: QKVLayout
    public var qkNorm: QKNorm?
    public var rope: Rope
    public var activation: Activation
    public var feedForward: FeedForward
    public var experts: Experts?
    /// Multiplier of the embedding row before layer 0 (Gemma: √d, rounded as HF rounds it).
    public var embeddingScale: Float?
    /// Multiplier of the logits (Cohere).
    public var logitScale: Float?
    /// `c · tanh(logits / c)` (Gemma 2).
    public var finalSoftcap: Float?
    /// `c · tanh(scores / c)` on attention scores (Gemma 2).
    public var attentionSoftcap: Float?
    /// Multiplier of q·k (default `1/√headDim`).
    public var attentionScale: Float
    /// Sliding-window size and which layers use it.
    public var slidingWindow: Int?
    public var slidingLayers: Set<Int>
    /// Whether the head reuses the embedding matrix (decided from the tensors present while the description is built).
    public var tiedHead: Bool
    /// Clamp of q, k, v to ±value after projection (OLMo 1 `clip_qkv`).
    public var qkvClamp: Float?
    /// The RoPE of sliding-window layers when it differs from `rope` (Gemma 3's local base, unscaled).
    public var slidingRope: Rope? = nil
    /// Layers that apply no RoPE at all (SmolLM3, Llama 4, EXAONE 4's global layers).
    public var noRopeLayers: Set<Int> = []
    /// Multiplier of each sublayer's output before it is added to the residual stream (Granite).
    public var residualScale: Float? = nil
    /// Multi-head latent attention (DeepSeek V2/V3) in place of Q/K/V projections; nil for every other family.
    public var mla: MLA? = nil
    /// Chunked attention (Llama 4): on `chunkedLayers` a token attends only to keys of its own chunk of
    /// `attentionChunkSize` positions.
    public var attentionChunkSize: Int? = nil
    public var chunkedLayers: Set<Int> = []
    /// Llama 4's attention temperature on NoPE layers: q at position `p` times
    /// `log(floor((p + 1) / floorScale) + 1) · scale + 1`.
    public var attentionTemperature: AttentionTemperature? = nil
    /// Whether each head has a learned logit in its softmax's denominator (gpt-oss `sinks`, role `attnSinks`).
    public var attentionSinks: Bool = false

    /// Llama 4's `floor_scale` and `attn_scale`.
    public struct AttentionTemperature: Sendable, Equatable {
        public var floorScale: Float
        public var scale: Float

        public init(floorScale: Float, scale: Float) {
            self.floorScale = floorScale
            self.scale = scale
        }
    }

    /// The RoPE `layer` applies, nil for a NoPE layer.
    public func rope(layer: Int) -> Rope? {
        if noRopeLayers.contains(layer) { return nil }
        if slidingLayers.contains(layer), let slidingRope { return slidingRope }
        return rope
    }

    /// Width of the Q projection (`heads · headDim`).
    public var qWidth: Int { headCount * headDim }
    /// Width of each of K and V (`kvHeads · headDim`).
    public var kvWidth: Int { kvHeadCount * headDim }
}
