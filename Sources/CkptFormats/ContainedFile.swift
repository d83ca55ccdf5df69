import CkptStorage
import Foundation

/// The files a checkpoint finds by name beside the one the user gave — config.json, the shard index,
/// shards, the other files of a split GGUF — must resolve inside their model directory: a symbolic
/// link out of it (to `~/.ssh/id_rsa`, say) is refused before a byte of its target is read, so no
/// error message can quote it. A Hugging Face cache stores each file of `models--ORG--NAME/snapshots/HASH`
/// as a link to `models--ORG--NAME/blobs/…`, so inside a snapshot the bound is the repository directory.
enum ContainedFile {
    /// Throws when `path`, with every symbolic link followed, lies outside `directory` (or, for a cache
    /// snapshot, its `models--ORG--NAME`). A path that does not resolve is left to the open to report.
    static func check(_ path: String, in directory: String) throws(FormatError) {
        guard let target = realPath(path), let root = realPath(directory) else { return }
        if PathContainment.isInside(target, root) { return }
        if let repository = cacheRepository(of: root), PathContainment.isInside(target, repository) { return }
        throw FormatError(
            file: path,
            "is a symbolic link leading outside its model directory \(directory); ckpt reads only files inside it "
                + "(copy the file there instead)")
    }

    /// The `…/models--ORG--NAME` directory when `directory` (resolved) is a snapshot in it.
    static func cacheRepository(of directory: String) -> String? {
        let components = directory.split(separator: "/", omittingEmptySubsequences: false)
        guard components.count >= 3, components[components.count - 2] == "snapshots",
            components[components.count - 3].hasPrefix("models--")
        else { return nil }
        return components.dropLast(2).joined(separator: "/")
    }

    /// `realpath(3)` of `path`, nil when it does not resolve.
    private static func realPath(_ path: String) -> String? {
        guard let real = realpath(path, nil) else { return nil }
        defer { free(real) }
        return String(cString: real)
    }
}
