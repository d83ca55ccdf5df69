import Foundation
import Testing

/// Locates files under the repository's `Samples/` folder from the test sources' own path.
public enum Samples {
    /// The repository root, found from this file's compile-time path.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // CkptTestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repo

    /// `Samples/<relative>`.
    public static func url(_ relative: String) -> URL {
        root.appendingPathComponent("Samples").appendingPathComponent(relative)
    }

    /// The bytes of `Samples/<relative>`.
    public static func data(_ relative: String) throws -> Data {
        try Data(contentsOf: url(relative))
    }

    /// Cache folder for large downloaded files kept outside git (`CKPT_CACHE` or `~/.cache/ckpt`).
    public static var cacheDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["CKPT_CACHE"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return FileManager.default.homeDirectoryForCurrentDirectory
            .appendingPathComponent(".cache/ckpt")
    }
}

extension FileManager {
    fileprivate var homeDirectoryForCurrentDirectory: URL {
        URL(fileURLWithPath: NSHomeDirectory())
    }
}

/// Every temporary directory made by `makeTemporaryDirectory` starts with this, so `Scripts/test` can
/// tell a test's leftovers from anything else in `TMPDIR` and fail the run when one is left behind.
public let temporaryDirectoryPrefix = "ckpt-test-"

/// A fresh directory `TMPDIR/ckpt-test-LABEL-UUID` (`label` is kept as is if it already starts with
/// `ckpt-test`). The caller removes it, typically with `defer { removeTemporaryDirectory(dir) }`, or
/// uses `withTemporaryDirectory`; inside a test or suite with the `.removesTemporaryDirectories` trait
/// it is also removed when the test ends, so helpers may return paths inside one.
public func makeTemporaryDirectory(_ label: String = "ckpt-test") throws -> URL {
    let name = label.hasPrefix("ckpt-test") ? label : temporaryDirectoryPrefix + label
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    TemporaryDirectoryScope.current?.register(url)
    return url
}

/// For helpers that return paths inside a new temporary directory (`ConversionTests.convert`, ...):
/// `makeTemporaryDirectory`, but an issue is recorded when the calling test runs without the
/// `.removesTemporaryDirectories` trait, since nothing would remove the directory then.
public func makeScopedTemporaryDirectory(
    _ label: String, sourceLocation: SourceLocation = #_sourceLocation
) throws -> URL {
    if TemporaryDirectoryScope.current == nil {
        Issue.record(
            "\(label): this helper's temporary directory is removed only under the .removesTemporaryDirectories trait, which this test and its suite lack",
            sourceLocation: sourceLocation)
    }
    return try makeTemporaryDirectory(label)
}

/// Removes `directory` and everything in it; a directory already gone is not an error.
public func removeTemporaryDirectory(_ directory: URL) {
    try? FileManager.default.removeItem(at: directory)
}

/// Runs `body` with a fresh temporary directory and removes the directory afterwards, also when
/// `body` throws or an expectation fails.
public func withTemporaryDirectory<T>(_ label: String = "ckpt-test", _ body: (URL) throws -> T) throws -> T {
    let directory = try makeTemporaryDirectory(label)
    defer { removeTemporaryDirectory(directory) }
    return try body(directory)
}

/// `withTemporaryDirectory` for async bodies.
public func withTemporaryDirectory<T>(_ label: String = "ckpt-test", _ body: (URL) async throws -> T) async throws -> T {
    let directory = try makeTemporaryDirectory(label)
    defer { removeTemporaryDirectory(directory) }
    return try await body(directory)
}

/// The directories `makeTemporaryDirectory` made while one test case ran under the
/// `.removesTemporaryDirectories` trait; all removed when the test case ends, passed or failed.
public final class TemporaryDirectoryScope: @unchecked Sendable {
    @TaskLocal public static var current: TemporaryDirectoryScope?

    private let lock = NSLock()
    private var directories: [URL] = []

    public init() {}

    public func register(_ directory: URL) {
        lock.lock()
        defer { lock.unlock() }
        directories.append(directory)
    }

    public func removeAll() {
        lock.lock()
        let made = directories
        directories = []
        lock.unlock()
        for directory in made.reversed() { removeTemporaryDirectory(directory) }
    }
}

/// Removes, after each test case, every directory `makeTemporaryDirectory` made during it, including
/// those made by helpers that return paths inside them (`ConversionTests.convert`, ...). On a suite
/// it applies to every test in it. (So a directory shared by several tests must not be made lazily,
/// e.g. in a `static let`, inside one of them: it would go when that test ends.)
public struct RemovesTemporaryDirectoriesTrait: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let scope = TemporaryDirectoryScope()
        defer { scope.removeAll() }
        try await TemporaryDirectoryScope.$current.withValue(scope) { try await function() }
    }
}

extension Trait where Self == RemovesTemporaryDirectoriesTrait {
    /// See `RemovesTemporaryDirectoriesTrait`.
    public static var removesTemporaryDirectories: Self { Self() }
}
