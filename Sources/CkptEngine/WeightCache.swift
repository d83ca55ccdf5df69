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
    private let condition = NSCondition()
    private var values: [String: [Float]?] = [:]
    /// Keys some thread is computing now: others wait for its result rather than decode the same
    /// matrix again (which would also double the memory it takes).
    private var inFlight: Set<String> = []
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

    /// The cached value for `key` of `layer`, computing it on first use (once, whichever threads ask).
    func value<E: Error>(layer: Int, key: String, _ compute: () throws(E) -> [Float]?) throws(E) -> [Float]? {
        condition.lock()
        if case .currentLayer = policy, current != layer {
            values.removeAll()
            current = layer
        }
        while inFlight.contains(key), values[key] == nil { condition.wait() }
        if let cached = values[key] {
            condition.unlock()
            return cached
        }
        inFlight.insert(key)
        condition.unlock()
        defer {
            condition.lock()
            inFlight.remove(key)
            condition.broadcast()
            condition.unlock()
        }
        let computed = try compute()
        condition.lock()
        if current == nil || current == layer { values[key] = .some(computed) }
        condition.unlock()
        return computed
    }
}
