import CkptModels

extension Engine {
    /// Multi-head latent attention's part of layer 0's table row in f64, `[q | c_kv | k_pe]`, from the
    /// normalised input `h` of one token: the same steps as `latentTokenLocal`, written as plain loops.
    func latentAttentionInputs64(_ h: [Double], mla: ModelDescription.MLA) throws(ModelError) -> [Double] {
        let latentNorm = ModelDescription.Norm.rms(eps: mla.latentNormEps, weightOffset: 0)
        let q: [Double]
        if mla.queryRank != nil {
            let a = Self.linear64(h, try required(.qA, layer: 0), try floats(.qABias, layer: 0))
            let normalized = Self.norm64(a, latentNorm, weight: try required(.qANorm, layer: 0).map(Double.init), bias: nil)
            q = Self.linear64(normalized, try required(.qB, layer: 0), nil)
        } else {
            q = Self.linear64(h, try required(.q, layer: 0), try floats(.qBias, layer: 0))
        }
        let compressed = Self.linear64(h, try required(.kvA, layer: 0), try floats(.kvABias, layer: 0))
        let latent = Self.norm64(
            Array(compressed[..<mla.latentRank]), latentNorm, weight: try required(.kvANorm, layer: 0).map(Double.init), bias: nil)
        return q + latent + compressed[mla.latentRank...]
    }
}
