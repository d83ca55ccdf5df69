import Foundation

/// Decoded weights of some layers, shared by the threads that compute table chunks.
final class WeightCache: @unchecked Sendable {
    let layers: Set<Int>
    private let lock = NSLock()
    private var values: [String: [Float]?] = [:]

    init(layers: Set<Int>) {
        self.layers = layers
    }

    /// The cached value for `key`, computing it on first use.
    func value<E: Error>(for key: String, _ compute: () throws(E) -> [Float]?) throws(E) -> [Float]? {
        if let cached = lock.withLock({ values[key] }) { return cached }
        let computed = try compute()
        lock.withLock { values[key] = .some(computed) }
        return computed
    }
}
