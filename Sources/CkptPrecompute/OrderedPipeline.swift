import Dispatch
import Foundation

/// Runs `produce(i)` for `0..<count` on `workers` threads while the calling thread consumes the results
/// strictly in order: item N+1 (and up to `lookahead` items) is produced while item N is consumed.
/// At most `lookahead` results exist at once, so memory is bounded whatever `count` is. The first
/// error, from either side, stops the workers and is rethrown once they have all returned.
func runOrderedPipeline<Item>(
    count: Int, workers: Int, lookahead: Int,
    produce: @escaping @Sendable (Int) throws -> Item,
    consume: (Int, Item) throws -> Void
) throws {
    let state = PipelineState<Item>(count: count, lookahead: max(lookahead, workers))
    let group = DispatchGroup()
    for _ in 0..<max(1, min(workers, count)) {
        DispatchQueue.global().async(group: group) {
            while let index = state.claim() {
                state.complete(index, Result { try produce(index) })
            }
        }
    }
    defer {
        state.cancel()
        group.wait()
    }
    for index in 0..<count {
        try consume(index, try state.take(index).get())
    }
}

/// The shared state of one pipeline: which item is next to produce, finished results, and how far
/// the consumer has come. All access is under one condition lock.
private final class PipelineState<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    private let count: Int
    private let lookahead: Int
    private var nextToClaim = 0
    private var nextToTake = 0
    private var cancelled = false
    private var finished: [Int: Result<Item, Error>] = [:]

    init(count: Int, lookahead: Int) {
        self.count = count
        self.lookahead = lookahead
    }

    /// The next item to produce, waiting while the producers are `lookahead` items ahead; nil when done.
    func claim() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled, nextToClaim < count, nextToClaim - nextToTake >= lookahead { condition.wait() }
        guard !cancelled, nextToClaim < count else { return nil }
        defer { nextToClaim += 1 }
        return nextToClaim
    }

    func complete(_ index: Int, _ result: Result<Item, Error>) {
        condition.lock()
        defer { condition.unlock() }
        finished[index] = result
        if case .failure = result { cancelled = true }
        condition.broadcast()
    }

    /// Waits for item `index` (the consumer's next) and hands it over.
    func take(_ index: Int) -> Result<Item, Error> {
        condition.lock()
        defer { condition.unlock() }
        while finished[index] == nil { condition.wait() }
        nextToTake = index + 1
        condition.broadcast()
        return finished.removeValue(forKey: index)!
    }

    func cancel() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        condition.broadcast()
    }
}
