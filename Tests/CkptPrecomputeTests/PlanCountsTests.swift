import CkptFormats
import CkptModels
import CkptPrecompute
import CkptTestSupport
import Foundation
import Testing

/// `plan`'s eliminated weights are exactly the weight matrices `convert` removes, for every fixture in
/// both formats: layer 0's Q/K/V (or MLA's projections), and for parallel blocks its FFN; the embedding,
/// norms, biases, q/k norms and the router are left out of the paper's count.
@Suite struct PlanCountsTests {
    @Test(arguments: ConversionTests.sources)
    func eliminatedWeightsAreTheRemovedMatrices(_ source: String) throws {
        let model = try Model(Checkpoint.open(Samples.url("tiny/\(source)").path))
        let uncounted: [TensorRole] = [.embedding, .router, .routerBias, .qNorm, .kNorm]
        let skipped = Set(uncounted.compactMap { model.tensor($0)?.name })
        let removed = model.firstLayerTableTensors.filter { !skipped.contains($0) }.compactMap(model.checkpoint.tensor(named:))
        let matrices = removed.filter { $0.shape.filter { $0 > 1 }.count >= 2 }
        let plan = FirstLayerPlan(model.description)
        #expect(plan.eliminatedWeights == matrices.reduce(0) { $0 + $1.elementCount }, "\(source): \(matrices.map(\.name))")
    }
}
