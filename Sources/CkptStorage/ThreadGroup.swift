import Dispatch
import Foundation

/// Work run on threads of its own that may fail: `wait()` returns once every thread has finished and
/// rethrows the first error any of them threw. Direct copies, table producers and shard clones all run
/// this way (the table's chunks go through `runOrderedPipeline` instead, which keeps their order).
public final class ThreadGroup: @unchecked Sendable {
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var firstError: Error?

    public init() {}

    /// Runs `body` on a new thread, with `stackSize` bytes of stack when given.
    public func start(stackSize: Int? = nil, _ body: @escaping @Sendable () throws -> Void) {
        group.enter()
        let thread = Thread { [self] in
            do {
                try body()
            } catch {
                lock.withLock { if firstError == nil { firstError = error } }
            }
            group.leave()
        }
        if let stackSize { thread.stackSize = stackSize }
        thread.start()
    }

    /// Whether a thread has failed already, so that the others can stop early.
    public var hasFailed: Bool { lock.withLock { firstError != nil } }

    /// Waits for every thread; rethrows the first error.
    public func wait() throws {
        group.wait()
        if let error = lock.withLock({ firstError }) { throw error }
    }

    /// Waits for every thread, whatever they threw (for a `defer` on a path that already failed).
    public func waitForAll() { group.wait() }
}
