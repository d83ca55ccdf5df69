import Foundation

/// Decoded weights shared by the threads of one engine: either a fixed set of layers (the converter
/// keeps layer 0's while it fills the table) or only the layer being run (batched forward passes decode
/// each layer once for every sequence, and memory stays at one layer).
final class WeightCache: @unchecked Sendable {
    enum Policy: Sendable {
        case layers(Set<Int>)
        case currentLayer
    }

    let policy: Policy
    private let lock = NSLock()
    private var values: [String: [Float]?] = [:]
    private var current: Int?

    init(policy: Policy) {
        self.policy = policy
    }

    func holds(layer: Int) -> Bool {
        switch policy {
        case .layers(let layers): layers.contains(layer)
        case .currentLayer: true
        }
    }

    /// The cached value for `key` of `layer`, computing it on first use.
    func value<E: Error>(layer: Int, key: String, _ compute: () throws(E) -> [Float]?) throws(E) -> [Float]? {
        let cached: [Float]?? = lock.withLock {
            if case .currentLayer = policy, current != layer {
                values.removeAll()
                current = layer
            }
            return values[key]
        }
        if let cached { return cached }
        let computed = try compute()
        lock.withLock { if current == nil || current == layer { values[key] = .some(computed) } }
        return computed
    }
}
