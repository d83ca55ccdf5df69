import Foundation

extension SmallDisk {
    /// Remounts the tmpfs read-only; false where that failed.
    public func remountReadOnly() -> Bool { runQuietly("/bin/mount", ["-o", "remount,ro", url.path]) }
}

extension LoopExt4 {
    /// Shuts the file system down as after a device failure (`FS_IOC_SHUTDOWN`, no log flush): from
    /// then on every read and write on it fails with EIO. False where the ioctl was refused.
    public func shutDown() -> Bool {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var flags: UInt32 = 2  // EXT4_GOING_FLAGS_NOLOGFLUSH
        // FS_IOC_SHUTDOWN = _IOR('X', 125, __u32)
        return ioctl(descriptor, UInt(0x8004_587D), &flags) == 0
    }
}

/// An ext4 file system that promises more room than it has: a `megabytes` image on a tmpfs of
/// `backingMegabytes`, so its free-space figure passes a check and the writes past the tmpfs's size
/// fail (ENOSPC, passed on by the loop device) — a disk that fills during the write. Needs root, a
/// tmpfs and a loop device (`.requiresTmpfs`, `.requiresLoopExt4`); nil where unavailable.
public final class OvercommittedExt4 {
    public let url: URL
    private let backing: SmallDisk

    public init?(megabytes: Int, backingMegabytes: Int) {
        guard let backing = SmallDisk(bytes: backingMegabytes << 20) else { return nil }
        let image = backing.url.appendingPathComponent("fs.img").path
        let mountPoint = backing.url.appendingPathComponent("mnt")
        guard FileManager.default.createFile(atPath: image, contents: nil), truncate(image, off_t(megabytes << 20)) == 0,
            (try? FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: false)) != nil,
            runQuietly("/usr/sbin/mkfs.ext4", ["-q", image]), runQuietly("/bin/mount", ["-o", "loop", image, mountPoint.path])
        else { return nil }
        self.backing = backing
        url = mountPoint
    }

    deinit { _ = runQuietly("/bin/umount", [url.path]) }
}
