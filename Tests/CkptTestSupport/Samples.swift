import Foundation

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

/// A fresh temporary directory removed by the caller.
public func makeTemporaryDirectory(_ label: String = "ckpt-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
