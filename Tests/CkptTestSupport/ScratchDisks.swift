import Foundation

/// A small tmpfs mounted for a test (needs root, as CI has; nil where mounting is not allowed).
public final class SmallDisk {
    public let url: URL

    public init?(bytes: Int) {
        guard geteuid() == 0, let dir = try? makeTemporaryDirectory("small-disk") else { return nil }
        url = dir
        guard runQuietly("/bin/mount", ["-t", "tmpfs", "-o", "size=\(bytes)", "tmpfs", dir.path]) else { return nil }
    }

    deinit { _ = runQuietly("/bin/umount", [url.path]) }
}

/// A small ext4 file system on a loop device, where `O_DIRECT` works (needs root and loop devices;
/// nil where unavailable).
public final class LoopExt4 {
    public let url: URL
    private let directory: URL

    public init?(megabytes: Int) {
        guard geteuid() == 0, let dir = try? makeTemporaryDirectory("loop-ext4") else { return nil }
        directory = dir
        url = dir.appendingPathComponent("mnt")
        let image = dir.appendingPathComponent("fs.img").path
        guard FileManager.default.createFile(atPath: image, contents: nil), truncate(image, off_t(megabytes << 20)) == 0,
            (try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)) != nil,
            runQuietly("/usr/sbin/mkfs.ext4", ["-q", image]), runQuietly("/bin/mount", ["-o", "loop", image, url.path])
        else {
            try? FileManager.default.removeItem(at: dir)
            return nil
        }
    }

    deinit {
        _ = runQuietly("/bin/umount", [url.path])
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Runs `tool` with its output discarded; true if it exited with 0.
private func runQuietly(_ tool: String, _ arguments: [String]) -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    process.standardError = Pipe()
    process.standardOutput = Pipe()
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}
