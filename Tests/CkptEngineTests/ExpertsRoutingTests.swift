import CkptModels
import Foundation
import Testing

@testable import CkptEngine

/// The routing rules on hand-made logits, including DeepSeek's group-limited ones that the MoE fixtures
/// of other families do not reach (docs/architectures.md, "Mixtures of experts").
@Suite struct ExpertsRoutingTests {
    typealias Routing = ModelDescription.Experts.Routing

    func experts(_ choice: [(expert: Int, weight: Float)]) -> [Int] { choice.map(\.expert) }

    @Test func softmaxRenormalizesOnlyWhenAsked() {
        let logits: [Float] = [0, 1, 2, 3]
        let raw = Routing.softmax(renormalize: false).choose(logits, used: 2, correction: nil)
        #expect(experts(raw) == [3, 2])
        let total = logits.map { exp(Double($0)) }.reduce(0, +)
        #expect(abs(Double(raw[0].weight) - exp(3) / total) < 1e-6)
        let renormalized = Routing.softmax(renormalize: true).choose(logits, used: 2, correction: nil)
        #expect(abs(renormalized.map(\.weight).reduce(0, +) - 1) < 1e-6)
    }

    @Test func topLogitsThenSoftmaxOrSigmoid() {
        let logits: [Float] = [0.5, -1, 2, 1]
        let softmax = Routing.softmaxOfTopLogits.choose(logits, used: 2, correction: nil)
        #expect(experts(softmax) == [2, 3])
        #expect(abs(Double(softmax[0].weight) - 1 / (1 + exp(-1))) < 1e-6)
        let sigmoid = Routing.sigmoidOfTopLogits.choose(logits, used: 2, correction: nil)
        #expect(abs(Double(sigmoid[1].weight) - 1 / (1 + exp(-1))) < 1e-6)
    }

    /// V2 `group_limited_greedy`: groups {0,1} and {2,3} scored by their best expert; only the kept group competes.
    @Test func softmaxGroupLimitedKeepsTheBestGroups() {
        let logits: [Float] = [3, 2.9, 2.95, 0]
        let choice = Routing.softmaxGroupLimited(groups: 2, keptGroups: 1, renormalize: false).choose(logits, used: 2, correction: nil)
        #expect(experts(choice) == [0, 1])
        let probabilities = Routing.softmax(logits)
        #expect(choice[1].weight == probabilities[1])
    }

    /// V3: the correction bias changes the choice (group {2,3} wins by its top-2 sum) but not the weights,
    /// which are the uncorrected sigmoids renormalized.
    @Test func sigmoidGroupLimitedChoosesWithTheBiasAndWeighsWithout() {
        let logits: [Float] = [2, 1.5, 1, 0.5]
        let plain = Routing.sigmoidGroupLimited(groups: 2, keptGroups: 1, renormalize: true).choose(logits, used: 2, correction: nil)
        #expect(experts(plain) == [0, 1])
        let corrected = Routing.sigmoidGroupLimited(groups: 2, keptGroups: 1, renormalize: true)
            .choose(logits, used: 2, correction: [0, 0, 1, 1])
        #expect(experts(corrected) == [2, 3])
        let (a, b) = (Routing.sigmoid(1), Routing.sigmoid(0.5))
        #expect(corrected[0].weight == a / (a + b + 1e-20))
    }
}
