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
        }

        public var scope: Scope
        public var norm: Norm

        public init(scope: Scope, norm: Norm) {
            self.scope = scope
            self.norm = norm
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

    /// A mixture-of-experts feed-forward (Mixtral): softmax router, top-k experts renormalized.
    public struct Experts: Sendable, Equatable {
        public var count: Int
        public var used: Int
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

    /// Width of the Q projection (`heads · headDim`).
    public var qWidth: Int { headCount * headDim }
    /// Width of each of K and V (`kvHeads · headDim`).
    public var kvWidth: Int { kvHeadCount * headDim }
}
