import Foundation
import Testing

/// A small tmpfs mounted for a test (needs root, as CI has; nil where mounting is not allowed).
/// Unmounted and its mount point removed when released. Tests that need one carry `.requiresTmpfs`
/// and take it with `try #require(SmallDisk(bytes:))`, so they are skipped, not passed, where it cannot be made.
public final class SmallDisk {
    public let url: URL

    public init?(bytes: Int) {
        guard geteuid() == 0, let dir = try? makeTemporaryDirectory("small-disk") else { return nil }
        guard runQuietly("/bin/mount", ["-t", "tmpfs", "-o", "size=\(bytes)", "tmpfs", dir.path]) else {
            removeTemporaryDirectory(dir)
            return nil
        }
        url = dir
    }

    deinit {
        _ = runQuietly("/bin/umount", [url.path])
        removeTemporaryDirectory(url)
    }

    /// Whether a tmpfs can be mounted here: root, and a trial mount of 1 MiB succeeded (once per process).
    public static let isAvailable: Bool = SmallDisk(bytes: 1 << 20) != nil
}

/// A small ext4 file system on a loop device, where `O_DIRECT` works (needs root and loop devices;
/// nil where unavailable). Tests that need one carry `.requiresLoopExt4`.
public final class LoopExt4 {
    public let url: URL
    private let directory: URL

    public init?(megabytes: Int) {
        guard geteuid() == 0, let dir = try? makeTemporaryDirectory("loop-ext4") else { return nil }
        let mountPoint = dir.appendingPathComponent("mnt")
        let image = dir.appendingPathComponent("fs.img").path
        guard FileManager.default.createFile(atPath: image, contents: nil), truncate(image, off_t(megabytes << 20)) == 0,
            (try? FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: false)) != nil,
            runQuietly("/usr/sbin/mkfs.ext4", ["-q", image]), runQuietly("/bin/mount", ["-o", "loop", image, mountPoint.path])
        else {
            removeTemporaryDirectory(dir)
            return nil
        }
        directory = dir
        url = mountPoint
    }

    deinit {
        _ = runQuietly("/bin/umount", [url.path])
        removeTemporaryDirectory(directory)
    }

    /// Whether an ext4 loop mount works here: root, mkfs.ext4, a free loop device, and a trial mount of
    /// 8 MiB succeeded (once per process).
    public static let isAvailable: Bool = LoopExt4(megabytes: 8) != nil
}

extension Trait where Self == ConditionTrait {
    /// Skips the test (reported as skipped, with the reason) where no tmpfs can be mounted.
    public static var requiresTmpfs: Self {
        .enabled(if: SmallDisk.isAvailable, "needs root and permission to mount a tmpfs")
    }

    /// Skips the test (reported as skipped, with the reason) where no ext4 loop device can be mounted.
    public static var requiresLoopExt4: Self {
        .enabled(if: LoopExt4.isAvailable, "needs root, a free loop device and mkfs.ext4 to mount an ext4 image")
    }
}

/// Runs `tool` with its output discarded; true if it exited with 0.
func runQuietly(_ tool: String, _ arguments: [String]) -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    process.standardError = Pipe()
    process.standardOutput = Pipe()
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}
