import Synchronization

/// Bytes this process has copied from source files into outputs (direct copies, kernel copies, clones
/// and links counted by their size), for progress display: `convert`'s copy phase reads it while the
/// writers add to it from their threads.
public enum CopyProgress {
    private static let copied = Atomic<Int>(0)

    /// The bytes copied so far.
    public static var bytes: Int { copied.load(ordering: .relaxed) }

    /// Counts `count` more copied bytes.
    static func add(_ count: Int) {
        copied.add(count, ordering: .relaxed)
    }
}
