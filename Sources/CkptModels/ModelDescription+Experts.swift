extension ModelDescription {
    /// A mixture-of-experts feed-forward (docs/architectures.md, "Mixtures of experts"): the router scores
    /// the experts for each token, `used` of them run and their outputs are summed with the routing
    /// weights, and a shared expert may run for every token besides. Layers outside `layers` have the
    /// dense FFN of `ModelDescription.feedForwardSize`.
    public struct Experts: Sendable, Equatable {
        /// How the router's logits (plus `routerBias` when the checkpoint has it) choose the experts and weigh them.
        public enum Routing: Sendable, Equatable {
            /// Softmax over every expert, the `used` most probable; weights renormalized to sum to 1 when
            /// `renormalize` (Mixtral, Qwen3-MoE `norm_topk_prob`, DeepSeek V2 `greedy`).
            case softmax(renormalize: Bool)
            /// The `used` largest logits, weighted by their softmax (gpt-oss).
            case softmaxOfTopLogits
            /// The `used` largest logits, each weighted by its sigmoid (Llama 4).
            case sigmoidOfTopLogits
            /// DeepSeek V2 `group_limited_greedy`: softmax over every expert, split into `groups` equal groups
            /// each scored by its best expert; only the `keptGroups` best groups compete for the `used` most probable.
            case softmaxGroupLimited(groups: Int, keptGroups: Int, renormalize: Bool)
            /// DeepSeek V3 `noaux_tc`: sigmoid scores; the choice ranks score plus the correction bias
            /// (`expertScoreBias`), groups scored by the sum of their two best, `keptGroups` kept; the weights
            /// are the uncorrected scores, renormalized (plus 1e-20) when `renormalize`.
            case sigmoidGroupLimited(groups: Int, keptGroups: Int, renormalize: Bool)
        }

        /// The hidden activation of each expert.
        public enum Activation: Sendable, Equatable {
            /// `act(gate) ⊙ up` with the model's activation.
            case gated
            /// gpt-oss: gate clamped above at `limit`, up to ±`limit`, then `(up + 1) · gate · σ(alpha · gate)`.
            case clampedSwiGLU(limit: Float, alpha: Float)
        }

        /// How the expert matrices are stored.
        public enum Storage: Sendable, Equatable {
            /// A gate, up and down tensor per expert, `[out, in]` (transformers' Mixtral, Qwen3-MoE, DeepSeek).
            case perExpert
            /// Gate, up and down each stacked over the experts, `[experts, out, in]` (GGUF).
            case stacked
            /// transformers' fused gate/up `[experts, d, 2·ff]` and down `[experts, ff, d]`, input-major; gate and
            /// up interleaved column by column (gpt-oss) or as halves `[gate | up]` (Llama 4).
            case stackedInputMajor(interleavedGateUp: Bool)
        }

        public var count: Int
        public var used: Int
        /// Width of each routed expert.
        public var feedForwardSize: Int
        public var routing: Routing
        public var storage: Storage
        /// The layers whose FFN is the mixture.
        public var layers: Set<Int>
        /// Multiplier of every routing weight (DeepSeek's `routed_scaling_factor`).
        public var weightScale: Float = 1
        /// Whether the weight multiplies the expert's input rather than its output (Llama 4).
        public var weighsInput: Bool = false
        public var activation: Activation = .gated
        /// Width of the shared expert (a gated FFN in the model's activation) every sparse layer adds, nil for none.
        public var sharedFeedForwardSize: Int? = nil

        public init(count: Int, used: Int, feedForwardSize: Int, routing: Routing, storage: Storage, layers: Set<Int>) {
            self.count = count
            self.used = used
            self.feedForwardSize = feedForwardSize
            self.routing = routing
            self.storage = storage
            self.layers = layers
        }

        /// One tensor a sparse layer needs (or may have, when `optional`), with its shape.
        public struct ExpectedTensor: Sendable, Equatable {
            public var role: TensorRole
            public var shape: [Int]
            public var expert: Int?
            public var optional: Bool
        }

        /// Every tensor of one sparse layer, for a hidden size of `d`: router, experts, biases, shared expert.
        public func expectedTensors(hiddenSize d: Int) -> [ExpectedTensor] {
            let (e, ff) = (count, feedForwardSize)
            func tensor(_ role: TensorRole, _ shape: [Int], expert: Int? = nil, optional: Bool = false) -> ExpectedTensor {
                ExpectedTensor(role: role, shape: shape, expert: expert, optional: optional)
            }
            var tensors = [tensor(.router, [e, d]), tensor(.routerBias, [e], optional: true)]
            if case .sigmoidGroupLimited = routing { tensors.append(tensor(.expertScoreBias, [e])) }
            switch storage {
            case .perExpert:
                for x in 0..<e {
                    tensors += [
                        tensor(.expertGate, [ff, d], expert: x), tensor(.expertUp, [ff, d], expert: x),
                        tensor(.expertDown, [d, ff], expert: x),
                    ]
                }
            case .stacked:
                tensors += [
                    tensor(.expertGate, [e, ff, d]), tensor(.expertUp, [e, ff, d]), tensor(.expertDown, [e, d, ff]),
                    tensor(.expertGateBias, [e, ff], optional: true), tensor(.expertUpBias, [e, ff], optional: true),
                    tensor(.expertDownBias, [e, d], optional: true),
                ]
            case .stackedInputMajor:
                tensors += [
                    tensor(.expertGateUp, [e, d, 2 * ff]), tensor(.expertDown, [e, ff, d]),
                    tensor(.expertGateUpBias, [e, 2 * ff], optional: true), tensor(.expertDownBias, [e, d], optional: true),
                ]
            }
            if let shared = sharedFeedForwardSize {
                tensors += [tensor(.sharedGate, [shared, d]), tensor(.sharedUp, [shared, d]), tensor(.sharedDown, [d, shared])]
            }
            return tensors
        }

        /// Weights of one sparse layer's FFN matrices: every expert and the shared one (router excluded).
        public func feedForwardWeights(hiddenSize d: Int) -> Int {
            3 * d * (feedForwardSize * count + (sharedFeedForwardSize ?? 0))
        }

        /// The layers `0..<layerCount` that are sparse when every `step`-th is (`(layer + 1) % step == 0`),
        /// except `dense` (Qwen3-MoE `decoder_sparse_step` and `mlp_only_layers`, Llama 4 `interleave_moe_layer_step`).
        public static func everyStep(_ step: Int, of layerCount: Int, except dense: Set<Int> = []) -> Set<Int> {
            Set((0..<layerCount).filter { ($0 + 1) % step == 0 && !dense.contains($0) })
        }
    }

    /// Weights of `layer`'s FFN matrices: all its experts and shared expert in a sparse layer, else the dense FFN.
    public func feedForwardWeights(layer: Int) -> Int {
        if let experts, experts.layers.contains(layer) { return experts.feedForwardWeights(hiddenSize: hiddenSize) }
        switch feedForward {
        case .gated: return 3 * hiddenSize * feedForwardSize
        case .plain: return 2 * hiddenSize * feedForwardSize
        }
    }
}
