import CkptStorage
import Foundation

/// Models in the local Hugging Face hub cache, named as `hf:ORG/NAME[@REV]` or by their cache directory
/// `models--ORG--NAME` (README.md, "Commands"). Nothing is downloaded: the cache root is `$HF_HUB_CACHE`,
/// else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`; a revision is a branch or tag under `refs/`
/// (`main` by default) or a commit hash under `snapshots/`.
public enum HuggingFaceCache {
    /// The prefix of a cached model's name.
    public static let scheme = "hf:"

    /// The snapshot directory `argument` names when it is an `hf:` name or a cache directory, else
    /// `argument` itself.
    public static func resolve(_ argument: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(FormatError) -> String
    {
        if argument.hasPrefix(scheme) {
            let spec = argument.dropFirst(scheme.count)
            let parts = spec.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
            let repository = String(parts[0])
            let components = repository.split(separator: "/", omittingEmptySubsequences: false)
            guard components.count == 2, components.allSatisfy({ !$0.isEmpty && !$0.hasPrefix(".") }) else {
                throw FormatError(file: argument, "expected hf:ORG/NAME or hf:ORG/NAME@REVISION")
            }
            let root = cacheRoot(environment)
            let directory = (root as NSString).appendingPathComponent("models--\(components[0])--\(components[1])")
            guard isDirectory(directory) else {
                throw FormatError(
                    file: argument,
                    "not in the Hugging Face cache \(root) (no models--\(components[0])--\(components[1]); ckpt does not download)")
            }
            return try snapshot(of: directory, revision: parts.count == 2 ? String(parts[1]) : "main", name: argument)
        }
        let name = (argument as NSString).lastPathComponent
        if name.hasPrefix("models--"), isDirectory((argument as NSString).appendingPathComponent("snapshots")) {
            return try snapshot(of: argument, revision: "main", name: argument)
        }
        return argument
    }

    /// The cache root the environment names.
    public static func cacheRoot(_ environment: [String: String]) -> String {
        if let hub = environment["HF_HUB_CACHE"], !hub.isEmpty { return hub }
        if let home = environment["HF_HOME"], !home.isEmpty { return (home as NSString).appendingPathComponent("hub") }
        let user = environment["HOME"] ?? NSHomeDirectory()
        return (user as NSString).appendingPathComponent(".cache/huggingface/hub")
    }

    /// `snapshots/HASH` of `revision`: a commit hash with a snapshot, or a ref holding one.
    static func snapshot(of directory: String, revision: String, name: String) throws(FormatError) -> String {
        guard !revision.isEmpty, !revision.contains(".."), !revision.hasPrefix("/") else {
            throw FormatError(file: name, "revision \"\(revision)\" is not a branch, tag or commit")
        }
        let snapshots = (directory as NSString).appendingPathComponent("snapshots")
        let direct = (snapshots as NSString).appendingPathComponent(revision)
        if revision.count == 40, revision.allSatisfy(\.isHexDigit), isDirectory(direct) { return direct }
        let ref = (directory as NSString).appendingPathComponent("refs/\(revision)")
        // A ref is a small regular file; MappedFile refuses a FIFO or device there rather than block on it.
        guard let file = try? MappedFile(path: ref), file.size <= 256,
            let hash = String(validating: file.allBytes, as: UTF8.self)?.trimmingCharacters(in: .whitespacesAndNewlines),
            hash.count == 40, hash.allSatisfy(\.isHexDigit)
        else {
            throw FormatError(file: name, "the cache has no revision \(revision) (no refs/\(revision) holding a commit hash)")
        }
        let snapshot = (snapshots as NSString).appendingPathComponent(hash)
        guard isDirectory(snapshot) else { throw FormatError(file: name, "refs/\(revision) names commit \(hash), which has no snapshot") }
        return snapshot
    }

    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}
